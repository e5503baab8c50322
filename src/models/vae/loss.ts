// The training objective: the negative (β-weighted) ELBO,
//   −E_q[log p(x|z)] + β(step)·KL(q(z|x) ‖ N(0, I))   (analytic KL, averaged over the batch),
// with the encoder's gradient from one of two estimators of ∇_φ E_q[log p(x|z)]:
//   reparam  pathwise: z = μ + σ·ε, differentiated through (Kingma & Welling, 2014)
//   score    score function (REINFORCE, Williams 1992): E_q[(f(z) − b) ∇_φ log q(z|x)] with
//            f = log p(x|z) and, per draw, the leave-one-out baseline b_s = mean of the other
//            draws' f (Kool et al., 2019), which keeps the estimator unbiased
// The score estimator adds its surrogate as (s − stopGradient(s)), so the reported loss is still
// the −ELBO estimate while the gradient is the estimator's.
import type { Tensor } from "../../engine/index.js";
import * as E from "../../engine/index.js";
import type { BatchTensors, StepContext } from "../model.js";
import { klSchedule, type VaeConfig } from "./config.js";
import { draw, type VaeNet } from "./net.js";
import { klWeight } from "./schedule.js";

/** Active units (Burda et al., 2016): dimensions whose posterior mean varies over the data, Cov_x(E_q[z_u]) > 0.01. */
export const ACTIVE_UNIT_THRESHOLD = 0.01;

export function vaeLoss(c: VaeConfig, net: VaeNet, batch: BatchTensors, ctx: StepContext, step: Tensor): { loss: Tensor; metrics: Record<string, Tensor> } {
  const s = c.samples;
  const score = c.estimator === "score";
  const d = draw(c, net, batch.x, batch.labels, s, ctx, score);
  const klDims = d.q.klToStandard(); // [B, L]
  const kl = E.sum(klDims, 1); // [B]
  const rec = E.mean(d.logLik, 0); // [B]
  const beta = klWeight(klSchedule(c), step);
  let objective = E.mean(E.sub(rec, E.mul(kl, beta)));
  if (score) {
    const f = E.stopGradient(d.logLik); // [S, B]
    const baseline = E.div(E.sub(E.sum(f, 0, true), f), s - 1);
    const logQ = E.sum(d.q.logProb(d.z), 2); // [S, B], z detached: ∇ log q only
    const surrogate = E.mean(E.mul(E.sub(f, baseline), logQ));
    objective = E.add(objective, E.sub(surrogate, E.stopGradient(surrogate)));
  }
  const metrics: Record<string, Tensor> = {
    elbo: E.mean(E.sub(rec, kl)),
    rec: E.neg(E.mean(rec)),
    kl: E.mean(kl),
    beta,
  };
  if (c.diagnostics) Object.assign(metrics, latentDiagnostics(d.q.loc, klDims));
  return { loss: E.neg(objective), metrics };
}

/** Per-dimension KL (batch mean) as kl_dim_<i>, and the batch's count of active units. */
export function latentDiagnostics(mu: Tensor, klDims: Tensor): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  const perDim = E.mean(E.stopGradient(klDims), 0);
  const latent = perDim.shape[0];
  const width = String(latent - 1).length;
  for (let i = 0; i < latent; i++) out[`kl_dim_${String(i).padStart(width, "0")}`] = E.reshape(E.sliceAxis(perDim, 0, i, i + 1), []);
  const active = E.cast(E.greater(E.variance(E.stopGradient(mu), 0), ACTIVE_UNIT_THRESHOLD), "float32");
  out.active_units = E.sum(active);
  return out;
}
