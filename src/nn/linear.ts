// Linear: y = x Wᵀ + b with PyTorch's [out, in] weight layout and default initialization
// (weight and bias U(±1/√in_features)).
import { Rng, Tensor, linear, type DType } from "../engine/index.js";
import type { Context } from "./context.js";
import { Module } from "./module.js";
import { toRng, torchDefaultBias, torchDefaultWeight, type Initializer } from "./init.js";

/** Options shared by layers with a weight and an optional bias. */
export interface LayerInit {
  /** Randomness for the initial values: a generator or a seed. */
  rng: Rng | number;
  /** Add a bias (default true). */
  bias?: boolean;
  dtype?: DType;
  /** Weight initializer (default: PyTorch's, U(±1/√fan_in)). */
  weightInit?: Initializer;
  /** Bias initializer (default: PyTorch's, U(±1/√fan_in)). */
  biasInit?: Initializer;
}

/** Draw a weight and an optional bias as PyTorch's layers do (weight first, then bias). */
export function initWeightBias(weightShape: readonly number[], biasSize: number, opts: LayerInit): { weight: Tensor; bias: Tensor | null } {
  const rng = toRng(opts.rng);
  const dtype = opts.dtype ?? "float32";
  const weight = (opts.weightInit ?? torchDefaultWeight)(rng, weightShape, dtype);
  const bias = opts.bias ?? true ? (opts.biasInit ?? torchDefaultBias(weightShape))(rng, [biasSize], dtype) : null;
  return { weight, bias };
}

export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly inFeatures: number;
  readonly outFeatures: number;

  constructor(inFeatures: number, outFeatures: number, opts: LayerInit) {
    super();
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    const { weight, bias } = initWeightBias([outFeatures, inFeatures], outFeatures, opts);
    this.weight = weight;
    this.bias = bias;
  }

  forward(x: Tensor, _ctx: Context): Tensor {
    return linear(x, this.weight, this.bias);
  }
}
