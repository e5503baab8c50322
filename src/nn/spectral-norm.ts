// Spectral normalization (Miyato et al., "Spectral Normalization for Generative Adversarial
// Networks", 2018) as torch.nn.utils.spectral_norm: the wrapped layer's weight is
// weight_orig / σ with σ = uᵀ W v estimated by power iteration on the weight matrix W
// (weight_orig with dimension `dim` moved first, flattened to [h, rest]). Each training-mode
// forward runs nPowerIterations steps v ← normalize(Wᵀu), u ← normalize(W v) from the
// persistent u (a buffer, updated through the Context); u and v are constants for the
// gradient. Evaluation uses the stored u and v. State-dict names match PyTorch's
// (weight_orig, weight_u, weight_v, and the layer's other tensors at the same level).
import { Rng, Tensor, div, matmul, maximum, mul, reshape, sqrt, stopGradient, sum, transpose } from "../engine/index.js";
import type { Context } from "./context.js";
import { Module, withFields, type Layer } from "./module.js";
import { normal, toRng } from "./init.js";
import { ConvTranspose2d } from "./conv.js";

/** A layer whose `weight` field spectral norm can wrap (Linear, Conv2d, ConvTranspose2d, Embedding, …). */
export type WeightedLayer = Layer & { readonly weight: Tensor };

export interface SpectralNormOptions {
  /** Randomness for the initial u and v. */
  rng: Rng | number;
  /** Power iterations per training forward (default 1). */
  nPowerIterations?: number;
  eps?: number;
  /** The weight dimension that indexes outputs (default 0; 1 for ConvTranspose2d, as PyTorch). */
  dim?: number;
}

function normalize(a: Tensor, eps: number): Tensor {
  return div(a, maximum(sqrt(sum(mul(a, a))), eps));
}

export class SpectralNorm<L extends WeightedLayer = WeightedLayer> extends Module {
  static override buffers = ["weightU", "weightV"];
  static override stateDictNames = { layer: "", weightOrig: "weight_orig", weightU: "weight_u", weightV: "weight_v" };

  /** The wrapped layer, its weight field empty (the forward substitutes weight_orig / σ). */
  readonly layer: L;
  readonly weightOrig: Tensor;
  readonly weightU: Tensor;
  readonly weightV: Tensor;
  readonly nPowerIterations: number;
  readonly eps: number;
  readonly dim: number;

  constructor(layer: L, opts: SpectralNormOptions) {
    super();
    const w = layer.weight;
    if (!(w instanceof Tensor)) throw new Error("SpectralNorm: the wrapped layer has no weight tensor");
    const dim = opts.dim ?? (layer instanceof ConvTranspose2d ? 1 : 0);
    if (dim < 0 || dim >= w.rank) throw new Error(`SpectralNorm: dim ${dim} is out of range for weight ${w.describe()}`);
    this.layer = withFields(layer, { weight: null } as never);
    this.weightOrig = w;
    this.nPowerIterations = opts.nPowerIterations ?? 1;
    this.eps = opts.eps ?? 1e-12;
    this.dim = dim;
    const h = w.shape[dim];
    const rng = toRng(opts.rng);
    const draw = (n: number) => normalize(normal(1)(rng, [n], w.dtype), this.eps);
    this.weightU = draw(h);
    this.weightV = draw(w.size / h);
  }

  /** The weight as a matrix [h, rest], output dimension first. */
  private matrix(w: Tensor): Tensor {
    const perm = [this.dim, ...w.shape.map((_, i) => i).filter((i) => i !== this.dim)];
    return reshape(transpose(w, perm), [w.shape[this.dim], -1]);
  }

  /** The normalized weight the layer uses, and σ. Training mode runs the power iteration and records u, v. */
  normalizedWeight(ctx: Context): { weight: Tensor; sigma: Tensor } {
    const wm = this.matrix(this.weightOrig);
    let u = ctx.buffer(this, "weightU");
    let v = ctx.buffer(this, "weightV");
    if (ctx.train) {
      const w = stopGradient(wm);
      const [h, r] = w.shape;
      for (let i = 0; i < this.nPowerIterations; i++) {
        v = normalize(reshape(matmul(transpose(w), reshape(u, [h, 1])), [r]), this.eps);
        u = normalize(reshape(matmul(w, reshape(v, [r, 1])), [h]), this.eps);
      }
      ctx.setBuffer(this, "weightU", u);
      ctx.setBuffer(this, "weightV", v);
    }
    const [h, r] = wm.shape;
    const wv = reshape(matmul(wm, reshape(stopGradient(v), [r, 1])), [h]);
    const sigma = sum(mul(stopGradient(u), wv));
    return { weight: div(this.weightOrig, sigma), sigma };
  }

  forward(x: Tensor, ctx: Context): Tensor {
    return withFields(this.layer, { weight: this.normalizedWeight(ctx).weight } as never).forward(x, ctx);
  }
}
