// From a recipe's OptimizerSpec to an in-graph optimizer (src/optim), and from a schedule spec
// ("constant", "cosine", "warmup-cosine:<warmup steps>", "step:<every>:<gamma>") to lr(step).
import { adam, adamw, rmsprop, schedules, sgd, withGradClip, withWeightClip, type Optimizer, type Schedule } from "../optim/index.js";
import type { OptimizerSpec } from "../models/index.js";

export const OPTIMIZER_KINDS = ["adam", "adamw", "sgd", "rmsprop"] as const;

export function makeOptimizer(spec: OptimizerSpec): Optimizer {
  let opt: Optimizer;
  switch (spec.kind) {
    case "adam":
      opt = adam({ lr: spec.lr, betas: spec.betas, weightDecay: spec.weightDecay }) as Optimizer;
      break;
    case "adamw":
      opt = adamw({ lr: spec.lr, betas: spec.betas, weightDecay: spec.weightDecay }) as Optimizer;
      break;
    case "sgd":
      opt = sgd({ lr: spec.lr, momentum: spec.momentum, weightDecay: spec.weightDecay }) as Optimizer;
      break;
    case "rmsprop":
      opt = rmsprop({ lr: spec.lr, momentum: spec.momentum, weightDecay: spec.weightDecay }) as Optimizer;
      break;
    default:
      throw new Error(`unknown optimizer kind '${(spec as { kind: string }).kind}'; known: ${OPTIMIZER_KINDS.join(", ")}`);
  }
  if (spec.clipGradNorm !== undefined) opt = withGradClip(opt, spec.clipGradNorm) as Optimizer;
  if (spec.clipWeights !== undefined) opt = withWeightClip(opt, spec.clipWeights);
  return opt;
}

export const SCHEDULE_FORMS = ["constant", "cosine", "warmup-cosine:<warmup steps>", "step:<every>:<gamma>"] as const;

/** lr(step) for a schedule spec, a base rate and the run's total steps. */
export function makeSchedule(spec: string, lr: number, totalSteps: number): Schedule {
  const [kind, ...args] = spec.split(":");
  const num = (s: string | undefined, what: string) => {
    const v = Number(s);
    if (s === undefined || s === "" || !Number.isFinite(v)) throw new Error(`schedule '${spec}': ${what} must be a number; forms: ${SCHEDULE_FORMS.join(", ")}`);
    return v;
  };
  switch (kind) {
    case "constant":
      return schedules.constant(lr);
    case "cosine":
      return schedules.cosine({ lr, tMax: Math.max(1, totalSteps) });
    case "warmup-cosine": {
      const warmup = num(args[0], "the warm-up length");
      return schedules.warmupCosine({ lr, warmup, total: Math.max(warmup + 1, totalSteps) });
    }
    case "step":
      return schedules.stepDecay({ lr, stepSize: num(args[0], "the step size"), gamma: args[1] === undefined ? undefined : num(args[1], "gamma") });
    default:
      throw new Error(`unknown schedule '${spec}'; forms: ${SCHEDULE_FORMS.join(", ")}`);
  }
}
