// Layer normalization (Ba et al., 2016) over the trailing `normalizedShape` dimensions, with
// the biased variance and an elementwise affine transform, as torch.nn.LayerNorm.
import { Tensor, add, div, mean, mul, sqrt, sub, variance, type DType } from "../engine/index.js";
import { allocate, sizeOf } from "../engine/dtype.js";
import type { Context } from "./context.js";
import { Module } from "./module.js";

export interface LayerNormOptions {
  eps?: number;
  /** Learnable elementwise scale and shift (default true). */
  elementwiseAffine?: boolean;
  dtype?: DType;
}

export class LayerNorm extends Module {
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly normalizedShape: number[];
  readonly eps: number;

  constructor(normalizedShape: number | readonly number[], opts: LayerNormOptions = {}) {
    super();
    const shape = typeof normalizedShape === "number" ? [normalizedShape] : [...normalizedShape];
    const dtype = opts.dtype ?? "float32";
    const affine = opts.elementwiseAffine ?? true;
    const n = sizeOf(shape);
    this.weight = affine ? new Tensor(shape, dtype, allocate(dtype, n).fill(1)) : null;
    this.bias = affine ? new Tensor(shape, dtype, allocate(dtype, n)) : null;
    this.normalizedShape = shape;
    this.eps = opts.eps ?? 1e-5;
  }

  forward(x: Tensor, _ctx: Context): Tensor {
    const k = this.normalizedShape.length;
    const tail = x.shape.slice(x.rank - k);
    if (x.rank < k || tail.some((d, i) => d !== this.normalizedShape[i])) {
      throw new Error(`LayerNorm: input ${x.describe()} does not end in the normalized shape [${this.normalizedShape.join(", ")}]`);
    }
    const axes = tail.map((_, i) => x.rank - k + i);
    let y = div(sub(x, mean(x, axes, true)), sqrt(add(variance(x, axes, true), this.eps)));
    if (this.weight) y = mul(y, this.weight);
    if (this.bias) y = add(y, this.bias);
    return y;
  }
}
