// Initialization schemes, as PyTorch's torch.nn.init computes them. An Initializer draws a
// tensor of a shape from an explicit generator; fans follow PyTorch's
// _calculate_fan_in_and_fan_out (fan_in = shape[1]·receptive field, fan_out = shape[0]·receptive
// field), so a ConvTranspose2d weight [in, out, kh, kw] gets fan_in = out·kh·kw as in PyTorch.
import { Rng, Tensor, type DType } from "../engine/index.js";
import { allocate, sizeOf } from "../engine/dtype.js";

export type Initializer = (rng: Rng, shape: readonly number[], dtype: DType) => Tensor;

export function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length < 2) throw new Error(`init: fan in and fan out need a tensor of rank ≥ 2, got shape [${shape.join(", ")}]`);
  const receptive = sizeOf(shape.slice(2));
  return { fanIn: shape[1] * receptive, fanOut: shape[0] * receptive };
}

function floatArray(dtype: DType, n: number): Float32Array | Float64Array {
  if (dtype !== "float32" && dtype !== "float64") throw new Error(`init: parameters must be float32 or float64, got ${dtype}`);
  return allocate(dtype, n) as Float32Array | Float64Array;
}

/** U(lo, hi). */
export function uniform(lo: number, hi: number): Initializer {
  return (rng, shape, dtype) => new Tensor(shape, dtype, rng.fillUniform(floatArray(dtype, sizeOf(shape)), lo, hi));
}
/** N(mean, std²). */
export function normal(std = 1, mean = 0): Initializer {
  return (rng, shape, dtype) => new Tensor(shape, dtype, rng.fillNormal(floatArray(dtype, sizeOf(shape)), mean, std));
}
export function constant(value: number): Initializer {
  return (_rng, shape, dtype) => new Tensor(shape, dtype, floatArray(dtype, sizeOf(shape)).fill(value));
}
export const zeros: Initializer = constant(0);
export const ones: Initializer = constant(1);

export type Nonlinearity = "linear" | "sigmoid" | "tanh" | "relu" | "leaky_relu";

/** PyTorch's calculate_gain. */
export function gain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case "linear":
    case "sigmoid":
      return 1;
    case "tanh":
      return 5 / 3;
    case "relu":
      return Math.SQRT2;
    case "leaky_relu": {
      const slope = param ?? 0.01;
      return Math.sqrt(2 / (1 + slope * slope));
    }
  }
}

/** U(±gain·√(6/(fan_in+fan_out))). */
export function xavierUniform(gainValue = 1): Initializer {
  return (rng, shape, dtype) => {
    const { fanIn, fanOut } = fans(shape);
    const bound = gainValue * Math.sqrt(6 / (fanIn + fanOut));
    return uniform(-bound, bound)(rng, shape, dtype);
  };
}
/** N(0, gain²·2/(fan_in+fan_out)). */
export function xavierNormal(gainValue = 1): Initializer {
  return (rng, shape, dtype) => {
    const { fanIn, fanOut } = fans(shape);
    return normal(gainValue * Math.sqrt(2 / (fanIn + fanOut)))(rng, shape, dtype);
  };
}

export interface KaimingOptions {
  /** Negative slope of the leaky ReLU that follows (default 0). */
  a?: number;
  mode?: "fanIn" | "fanOut";
  nonlinearity?: Nonlinearity;
}

function kaimingStd(shape: readonly number[], opts: KaimingOptions): number {
  const { fanIn, fanOut } = fans(shape);
  const fan = (opts.mode ?? "fanIn") === "fanIn" ? fanIn : fanOut;
  return gain(opts.nonlinearity ?? "leaky_relu", opts.a ?? 0) / Math.sqrt(fan);
}

/** U(±√3·gain/√fan). PyTorch's default layer weights are kaimingUniform({ a: √5 }) = U(±1/√fan_in). */
export function kaimingUniform(opts: KaimingOptions = {}): Initializer {
  return (rng, shape, dtype) => {
    const bound = Math.sqrt(3) * kaimingStd(shape, opts);
    return uniform(-bound, bound)(rng, shape, dtype);
  };
}
/** N(0, (gain/√fan)²). */
export function kaimingNormal(opts: KaimingOptions = {}): Initializer {
  return (rng, shape, dtype) => normal(kaimingStd(shape, opts))(rng, shape, dtype);
}

/** PyTorch's default weight initialization for Linear and convolutions: U(±1/√fan_in). */
export const torchDefaultWeight: Initializer = kaimingUniform({ a: Math.sqrt(5) });

/** PyTorch's default bias initialization, U(±1/√fan_in), for a weight of this shape. */
export function torchDefaultBias(weightShape: readonly number[]): Initializer {
  const { fanIn } = fans(weightShape);
  const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
  return uniform(-bound, bound);
}

/** A generator from a seed or an existing generator. */
export function toRng(rng: Rng | number): Rng {
  if (rng instanceof Rng) return rng;
  if (typeof rng === "number") return new Rng(rng);
  throw new TypeError("init: pass { rng } as an Rng or a numeric seed (modules take explicit randomness)");
}
