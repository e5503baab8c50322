// What importance-sampled bounds (IWAE, and the ELBO as its k = 1 case) need from a latent-variable
// model beyond the shared surface: log-weights log p(x, z_s) − log q(z_s|x) for k draws from its
// proposal. Metrics find the capability with isLatentVariableModel.
import type { Tensor } from "../../engine/index.js";
import type { BatchTensors, GenerativeModel, Players, StepContext } from "../model.js";

export interface LatentVariableModel<P extends Players = Players> extends GenerativeModel<P> {
  /** Dimensions of z. */
  readonly latentSize: number;
  /** log p(x, z_s) − log q(z_s|x) for k draws z_s ~ q(z|x) (noise from ctx.normal): [k, B]. */
  logWeights(players: P, batch: BatchTensors, k: number, ctx: StepContext): Tensor;
}

export function isLatentVariableModel(m: GenerativeModel): m is LatentVariableModel {
  const lv = m as Partial<LatentVariableModel>;
  return typeof lv.logWeights === "function" && typeof lv.latentSize === "number";
}
