// The decoder's observation model p(x|z), built from the decoder network's per-pixel outputs:
//   bernoulli         logits; binary data (log p = −BCE-with-logits)
//   gaussian          mean, fixed σ (log p = −‖x−μ‖²/2σ² − D log σ − D/2 log 2π: MSE up to constants)
//   gaussian-learned  mean, with a learned per-pixel σ = minSigma + softplus(s_d) shared across examples
//   categorical       256-way softmax per pixel over the levels round(255·x); the network emits F
//                     features per pixel, mapped to 256 logits by a shared F→256 matrix plus a
//                     per-pixel bias (a rank-F factorization that keeps the MLP's last layer small)
import type { Rng, Tensor } from "../../engine/index.js";
import * as E from "../../engine/index.js";
import { Bernoulli, Categorical, Normal, type NoiseSource } from "../../dist/index.js";
import { Module, init } from "../../nn/index.js";

export type LikelihoodKind = "bernoulli" | "gaussian" | "gaussian-learned" | "categorical";
export const LIKELIHOODS: readonly LikelihoodKind[] = ["bernoulli", "gaussian", "gaussian-learned", "categorical"];

export interface LikelihoodSpec {
  kind: LikelihoodKind;
  /** Fixed σ of "gaussian". */
  sigma: number;
  /** Lower bound on the learned σ of "gaussian-learned". */
  minSigma: number;
  /** Features per pixel feeding the 256-way head of "categorical". */
  categoricalFeatures: number;
}

export const LEVELS = 256;

/** Decoder outputs per pixel for this observation model. */
export function perPixelOutputs(spec: LikelihoodSpec): number {
  return spec.kind === "categorical" ? spec.categoricalFeatures : 1;
}

/** How [0,1] data is prepared for this observation model (a dataTransform spec). */
export function likelihoodDataTransform(kind: LikelihoodKind): string {
  return kind === "bernoulli" ? "binarize" : "none";
}

/** The observation model's own parameters (none for bernoulli and fixed-σ gaussian). */
export class LikelihoodHead extends Module {
  readonly kind: LikelihoodKind;
  readonly sigma: number;
  readonly minSigma: number;
  /** gaussian-learned: per-pixel pre-softplus scale [D]. */
  readonly scale: Tensor | null;
  /** categorical: [256, F] shared feature → logit matrix and [D, 256] per-pixel bias. */
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;

  constructor(spec: LikelihoodSpec, pixels: number, rng: Rng) {
    super();
    this.kind = spec.kind;
    this.sigma = spec.sigma;
    this.minSigma = spec.minSigma;
    this.scale = null;
    this.weight = null;
    this.bias = null;
    if (spec.kind === "gaussian-learned") {
      // start at σ = 1: softplus(s) = 1 − minSigma
      const s0 = Math.log(Math.expm1(Math.max(1 - spec.minSigma, 1e-6)));
      this.scale = E.full([pixels], s0);
    } else if (spec.kind === "categorical") {
      const f = spec.categoricalFeatures;
      this.weight = init.torchDefaultWeight(rng, [LEVELS, f], "float32");
      this.bias = init.zeros(rng, [pixels, LEVELS], "float32");
    }
  }

  /** p(x|z) from decoder outputs [N, D, perPixel]; the distribution is over flat x [N, D]. */
  distribution(out: Tensor): PixelDistribution {
    const [n, d] = out.shape;
    switch (this.kind) {
      case "bernoulli":
        return new FactorizedPixels(new Bernoulli(E.reshape(out, [n, d])));
      case "gaussian":
        return new FactorizedPixels(new Normal(E.reshape(out, [n, d]), Math.log(this.sigma)));
      case "gaussian-learned": {
        const sigma = E.add(E.softplus(this.scale!), this.minSigma);
        return new FactorizedPixels(new Normal(E.reshape(out, [n, d]), E.log(sigma)));
      }
      case "categorical": {
        const f = out.shape[2];
        const flat = E.matmul(E.reshape(out, [n * d, f]), E.transpose(this.weight!));
        const logits = E.add(E.reshape(flat, [n, d, LEVELS]), this.bias!);
        return new CategoricalPixels(new Categorical(logits));
      }
    }
  }
}

/** p(x|z) over flattened pixels x [N, D] with values in the data's range. */
export interface PixelDistribution {
  /** Σ_d log p(x_d|z): [N]. */
  logProb(x: Tensor): Tensor;
  /** E[x|z] in the data's units: [N, D]. */
  mean(): Tensor;
  /** A draw x ~ p(x|z): [N, D]. */
  sample(noise: NoiseSource): Tensor;
}

/** One independent Bernoulli or Normal factor per pixel: log p(x|z) sums the factors over the pixels. */
class FactorizedPixels implements PixelDistribution {
  constructor(readonly d: Bernoulli | Normal) {}
  logProb(x: Tensor): Tensor {
    return E.sum(this.d.logProb(x), 1);
  }
  mean(): Tensor {
    return this.d.mean();
  }
  sample(noise: NoiseSource): Tensor {
    return this.d.sample(noise);
  }
}

/** Pixel values in [0,1] ↔ levels 0..255. */
class CategoricalPixels implements PixelDistribution {
  constructor(readonly d: Categorical) {}
  logProb(x: Tensor): Tensor {
    // round(255·x) for x ∈ [0,1]: truncation of 255·x + ½
    const level = E.cast(E.add(E.mul(E.clip(x, 0, 1), LEVELS - 1), 0.5), "int32");
    return E.sum(this.d.logProb(level), 1);
  }
  mean(): Tensor {
    return E.div(this.d.mean(), LEVELS - 1);
  }
  sample(noise: NoiseSource): Tensor {
    return E.div(this.d.sample(noise), LEVELS - 1);
  }
}
