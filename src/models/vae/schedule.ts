// β-weighting of the KL term (Higgins et al., 2017) and its schedules, evaluated in-graph from the
// step tensor the trainer passes into Objective.loss:
//   constant   β
//   linear     warm-up/annealing (Bowman et al., 2016): βstart → β linearly over warmupSteps, then β
//   cyclical   (Fu et al., 2019): every cycleSteps, rise linearly from βstart to β over the first
//              cycleRatio of the cycle, then hold β
import type { Tensor } from "../../engine/index.js";
import * as E from "../../engine/index.js";

export type KlScheduleKind = "constant" | "linear" | "cyclical";
export const KL_SCHEDULES: readonly KlScheduleKind[] = ["constant", "linear", "cyclical"];

export interface KlSchedule {
  kind: KlScheduleKind;
  beta: number;
  betaStart: number;
  warmupSteps: number;
  cycleSteps: number;
  cycleRatio: number;
}

/** ⌊x⌋ for x ≥ 0 (truncation through int32). */
function floorNonNegative(x: Tensor): Tensor {
  return E.cast(E.cast(x, "int32"), "float32");
}

/** β at `step` (a scalar tensor of any numeric dtype), as a float32 scalar tensor. */
export function klWeight(s: KlSchedule, step: Tensor): Tensor {
  const t = E.reshape(E.cast(step, "float32"), []);
  const ramp = (progress: Tensor) => E.add(E.mul(E.minimum(progress, 1), s.beta - s.betaStart), s.betaStart);
  switch (s.kind) {
    case "constant":
      return E.scalar(s.beta);
    case "linear":
      return ramp(E.div(t, Math.max(1, s.warmupSteps)));
    case "cyclical": {
      const period = Math.max(1, s.cycleSteps);
      const phase = E.sub(t, E.mul(floorNonNegative(E.div(t, period)), period));
      return ramp(E.div(phase, Math.max(1e-9, s.cycleRatio * period)));
    }
  }
}

/** The same schedule on the host, for logs and tests. */
export function klWeightAt(s: KlSchedule, step: number): number {
  const ramp = (p: number) => s.betaStart + Math.min(p, 1) * (s.beta - s.betaStart);
  switch (s.kind) {
    case "constant":
      return s.beta;
    case "linear":
      return ramp(step / Math.max(1, s.warmupSteps));
    case "cyclical": {
      const period = Math.max(1, s.cycleSteps);
      return ramp((step % period) / Math.max(1e-9, s.cycleRatio * period));
    }
  }
}
