// The primitive set: one record per primitive with its shape rule, reference evaluation,
// ONNX lowering and VJP rule. The registry is typed over the union below, so a primitive
// without one of its four parts is a compile error.
import type { DType, TypedArray } from "./dtype.js";
import type { Tensor } from "./tensor.js";
import type { OnnxBuilder } from "./onnx-builder.js";

export type Pair = [number, number];

export interface ConvAttrs {
  stride: Pair;
  padding: Pair;
  dilation: Pair;
  groups: number;
}

export interface PoolAttrs {
  kernel: Pair;
  stride: Pair;
  padding: Pair;
}

type None = Record<string, never>;

/** Attributes of every primitive; the keys are the primitive names. */
export interface PrimAttrs {
  // elementwise unary
  neg: None;
  exp: None;
  log: None;
  log1p: None;
  sqrt: None;
  abs: None;
  sign: None;
  tanh: None;
  sigmoid: None;
  relu: None;
  softplus: None;
  leakyRelu: { alpha: number };
  // elementwise binary (numpy broadcasting)
  add: None;
  sub: None;
  mul: None;
  div: None;
  pow: None;
  maximum: None;
  minimum: None;
  // comparisons (bool result) and selection
  greater: None;
  greaterEqual: None;
  less: None;
  lessEqual: None;
  equal: None;
  where: None;
  cast: { dtype: DType };
  stopGradient: None;
  // reductions
  sum: { axes: number[]; keepdims: boolean };
  max: { axes: number[]; keepdims: boolean };
  // linear algebra and convolution
  matmul: None;
  conv2d: ConvAttrs;
  convTranspose2d: ConvAttrs & { outputPadding: Pair };
  maxPool2d: PoolAttrs;
  avgPool2d: PoolAttrs;
  // layout
  reshape: { shape: number[] };
  transpose: { perm: number[] };
  expand: { shape: number[] };
  concat: { axis: number };
  slice: { starts: number[]; ends: number[]; steps: number[] };
  pad: { pads: Pair[]; value: number };
  gather: None;
}

export type Prim = keyof PrimAttrs;

export interface ValueType {
  shape: number[];
  dtype: DType;
}

export interface PrimRule<P extends Prim> {
  /** Output shape and dtype; throws ShapeError naming the op on a mismatch. */
  shape(inputs: ValueType[], attrs: PrimAttrs[P]): ValueType;
  /** Plain typed-array reference: the eager interpreter and the forward check's ground truth. */
  eval(inputs: { data: TypedArray; shape: number[]; dtype: DType }[], attrs: PrimAttrs[P], out: ValueType): TypedArray;
  /** Emit ONNX nodes computing the output; returns the output's value name. */
  toOnnx(b: OnnxBuilder, inputs: string[], attrs: PrimAttrs[P], types: { inputs: ValueType[]; out: ValueType }): string;
  /** Cotangents of the inputs given the output's cotangent g (null: zero or not needed), written in Eikon ops. */
  vjp(g: Tensor, inputs: Tensor[], out: Tensor, attrs: PrimAttrs[P], needs: boolean[]): (Tensor | null)[];
}

export type PrimTable = { [P in Prim]: PrimRule<P> };
