// Non-amortized variational inference: for a fixed decoder, each datapoint gets its own Gaussian
// q_i(z) = N(μ_i, σ_i²), optimized directly (Adam on the per-example ELBO) instead of predicted by the
// encoder. The difference between the optimized and the amortized ELBO on the same data is the
// amortization gap (Cremer, Li & Duvenaud, 2018, "Inference Suboptimality in Variational Autoencoders").
import type { Rng, Tensor } from "../../engine/index.js";
import * as E from "../../engine/index.js";
import { Normal } from "../../dist/index.js";
import { Context } from "../../nn/index.js";
import { adam, type AdamState } from "../../optim/index.js";
import type { StepContext } from "../model.js";
import type { VaeConfig } from "./config.js";
import type { VaeModel } from "./family.js";
import { flatSize } from "../autoencoder/networks.js";
import { labelCode, observation, posterior, repeatBatch, type VaeNet } from "./net.js";

export interface LocalViOptions {
  /** Adam steps on the local parameters (default 300). */
  steps?: number;
  /** Adam learning rate (default 0.01). */
  lr?: number;
  /** z draws per example per step (default 1). */
  samples?: number;
  /** z draws per example for the final ELBO estimates (default 100), shared by both posteriors. */
  evalSamples?: number;
  /** Start from the encoder's posterior (default) or from the prior N(0, I). */
  init?: "encoder" | "prior";
  rng: Rng;
}

export interface LocalViResult {
  /** Optimized μ_i and log σ_i: [B, latent]. */
  loc: Tensor;
  logScale: Tensor;
  /** Per-example ELBO of the optimized q_i and of the encoder's q(z|x_i), same noise. */
  elbo: Float64Array;
  amortizedElbo: Float64Array;
  /** Mean ELBO of the optimized posteriors after each step (noisy single-draw estimates). */
  trace: number[];
}

type Local = { loc: Tensor; logScale: Tensor };

/** ELBO per example for q = N(loc, exp(logScale)) with s draws ε [s, B, L]: E_q[log p(x|z)] − KL(q ‖ N(0,I)). */
function localElbo(c: VaeConfig, net: VaeNet, q: Local, x: Tensor, labels: Tensor | undefined, eps: Tensor, ctx: StepContext): Tensor {
  const [s, b] = eps.shape;
  const dist = new Normal(q.loc, q.logScale);
  const z = E.reshape(dist.rsample(eps), [s * b, c.latent]);
  const code = labelCode(c, labels, b);
  const px = observation(c, net, z, code && repeatBatch(code, s), ctx);
  const xFlat = repeatBatch(E.reshape(x, [b, flatSize(c.dataShape)]), s);
  const logLik = E.mean(E.reshape(px.logProb(xFlat), [s, b]), 0);
  return E.sub(logLik, E.sum(dist.klToStandard(), 1));
}

const normalNoise = (rng: Rng, shape: number[]) => E.tensor(rng.fillNormal(new Float32Array(shape.reduce((a, d) => a * d, 1))), shape);

/** Fits per-example posteriors to the batch x (with labels for a conditional model) under the model's decoder. */
export async function fitLocalPosterior(model: VaeModel, x: Tensor, labels: Tensor | undefined, opts: LocalViOptions): Promise<LocalViResult> {
  const c = model.config;
  const net = model.players.model;
  const b = x.shape[0];
  const steps = opts.steps ?? 300;
  const s = opts.samples ?? 1;
  const evalS = opts.evalSamples ?? 100;
  const optimizer = adam({ lr: opts.lr ?? 0.01 });
  const ctx = Context.eval();

  const encode = E.compile((n: VaeNet, x: Tensor, labels: Tensor | undefined) => {
    const q = posterior(c, n, x, labelCode(c, labels, x.shape[0]), ctx);
    return { loc: q.loc, logScale: q.logScale };
  });
  const step = E.compile((n: VaeNet, q: Local, st: AdamState, x: Tensor, labels: Tensor | undefined, eps: Tensor) => {
    const { value, grad } = E.valueAndGrad((p: Local) => E.neg(E.sum(localElbo(c, n, p, x, labels, eps, ctx))))(q);
    const upd = optimizer.update(grad, st, q);
    return { q: upd.params as Local, state: upd.state, elbo: E.div(E.neg(value), b) };
  });
  const evaluate = E.compile((n: VaeNet, q: Local, x: Tensor, labels: Tensor | undefined, eps: Tensor) => localElbo(c, n, q, x, labels, eps, ctx));

  try {
    const amortized = await encode(net, x, labels);
    let q: Local = opts.init === "prior" ? { loc: E.zeros([b, c.latent]), logScale: E.zeros([b, c.latent]) } : amortized;
    let state = optimizer.init(q);
    const trace: number[] = [];
    for (let i = 0; i < steps; i++) {
      const r = await step(net, q, state, x, labels, normalNoise(opts.rng, [s, b, c.latent]));
      q = r.q;
      state = r.state;
      trace.push(r.elbo.item());
    }
    const eps = normalNoise(opts.rng, [evalS, b, c.latent]);
    const elbo = Float64Array.from((await evaluate(net, q, x, labels, eps)).values());
    const amortizedElbo = Float64Array.from((await evaluate(net, amortized, x, labels, eps)).values());
    return { loc: q.loc, logScale: q.logScale, elbo, amortizedElbo, trace };
  } finally {
    await Promise.all([encode.dispose(), step.dispose(), evaluate.dispose()]);
  }
}
