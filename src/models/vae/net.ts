// The VAE's parameters and the maths every query and loss shares: the amortized posterior
// q(z|x) = N(μ(x), σ(x)) (encoder head: [μ, log σ²]), the prior N(0, I), the observation model
// p(x|z), and the per-draw terms log p(x|z), log p(z), log q(z|x).
import type { Rng, Tensor } from "../../engine/index.js";
import * as E from "../../engine/index.js";
import { Normal } from "../../dist/index.js";
import { Module, type Sequential } from "../../nn/index.js";
import type { StepContext } from "../model.js";
import { buildDecoder, buildEncoder, encoderInput, flatSize, layerContext, pixelOutputs, type NetworkShape } from "../autoencoder/networks.js";
import { LikelihoodHead, perPixelOutputs, type PixelDistribution } from "./likelihood.js";
import { likelihoodSpec, type VaeConfig } from "./config.js";

export class VaeNet extends Module {
  readonly encoder: Sequential;
  readonly decoder: Sequential;
  readonly likelihood: LikelihoodHead;

  constructor(c: VaeConfig, rng: Rng) {
    super();
    const shape = networkShape(c);
    this.encoder = buildEncoder(shape, 2 * c.latent, c.numClasses, rng);
    this.decoder = buildDecoder(shape, c.latent + c.numClasses, perPixelOutputs(likelihoodSpec(c)), rng);
    this.likelihood = new LikelihoodHead(likelihoodSpec(c), flatSize(c.dataShape), rng);
  }
}

export const networkShape = (c: VaeConfig): NetworkShape => ({ arch: c.arch, dataShape: c.dataShape, hidden: c.hidden, channels: c.channels });

/** One-hot labels [B, numClasses] (null for an unconditional model). */
export function labelCode(c: VaeConfig, labels: Tensor | undefined, batch: number): Tensor | null {
  if (c.numClasses === 0) return null;
  if (!labels) throw new Error(`a conditional VAE (numClasses ${c.numClasses}) needs labels with every batch; use labeled data (e.g. mnist)`);
  if (labels.shape.length !== 1 || labels.shape[0] !== batch) throw new Error(`labels must be int32 [${batch}], got ${labels.describe()}`);
  return E.oneHot(E.cast(labels, "int32"), c.numClasses);
}

/** q(z|x) over [B, latent]. */
export function posterior(c: VaeConfig, net: VaeNet, x: Tensor, code: Tensor | null, ctx: StepContext): Normal {
  const h = net.encoder.forward(encoderInput(networkShape(c), x, code), layerContext(ctx));
  const [mu, logVar] = E.split(h, [c.latent, c.latent], 1);
  return Normal.fromLogVar(mu, logVar);
}

/** p(x|z) for z [N, latent] (code [N, classes] or null), over flat x [N, D]. */
export function observation(c: VaeConfig, net: VaeNet, z: Tensor, code: Tensor | null, ctx: StepContext): PixelDistribution {
  const input = code ? E.concat([z, code], 1) : z;
  const out = net.decoder.forward(input, layerContext(ctx));
  return net.likelihood.distribution(pixelOutputs(networkShape(c), out, perPixelOutputs(likelihoodSpec(c))));
}

/** [B, ...] → [S·B, ...] by repeating the batch S times (draw-major, matching z of shape [S, B, L]). */
export function repeatBatch(t: Tensor, s: number): Tensor {
  if (s === 1) return t;
  const [b, ...rest] = t.shape;
  return E.reshape(E.broadcastTo(E.reshape(t, [1, b, ...rest]), [s, b, ...rest]), [s * b, ...rest]);
}

export interface Draws {
  q: Normal;
  /** z [S, B, L]. */
  z: Tensor;
  /** log p(x|z_s) [S, B]. */
  logLik: Tensor;
}

/**
 * S draws z_s ~ q(z|x) with noise from ctx (ε [S, B, L]) and their log-likelihoods. `detachZ` cuts
 * the path from z back to the encoder (the score-function estimator differentiates log q instead).
 */
export function draw(c: VaeConfig, net: VaeNet, x: Tensor, labels: Tensor | undefined, s: number, ctx: StepContext, detachZ = false): Draws {
  const b = x.shape[0];
  const code = labelCode(c, labels, b);
  const q = posterior(c, net, x, code, ctx);
  const eps = ctx.normal([s, b, c.latent]);
  const zs = q.rsample(eps);
  const z = detachZ ? E.stopGradient(zs) : zs;
  const px = observation(c, net, E.reshape(z, [s * b, c.latent]), code && repeatBatch(code, s), ctx);
  const xFlat = repeatBatch(E.reshape(x, [b, flatSize(c.dataShape)]), s);
  return { q, z, logLik: E.reshape(px.logProb(xFlat), [s, b]) };
}

/** log p(z) − log q(z|x) summed over latent dimensions: [S, B] for z [S, B, L]. */
export function logPriorMinusPosterior(q: Normal, z: Tensor): Tensor {
  const prior = new Normal(E.scalar(0), E.scalar(0));
  return E.sum(E.sub(prior.logProb(z), q.logProb(z)), 2);
}

/** log w_s = log p(x, z_s) − log q(z_s|x) for k draws: [k, B] (importance weights of the IWAE bound). */
export function logWeights(c: VaeConfig, net: VaeNet, x: Tensor, labels: Tensor | undefined, k: number, ctx: StepContext): Tensor {
  const d = draw(c, net, x, labels, k, ctx);
  return E.add(d.logLik, logPriorMinusPosterior(d.q, d.z));
}

/** log (1/k) Σ_s exp(w_s) over axis 0: [k, B] → [B]. */
export function logMeanExp(w: Tensor): Tensor {
  return E.sub(E.logsumexp(w, 0), Math.log(w.shape[0]));
}
