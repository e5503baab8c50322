// The ops users call: thin wrappers that normalize arguments and apply a primitive,
// plus composites (mean, softmax, logsumexp, clip, split, oneHot, …) built from primitives,
// which therefore need no gradient rules of their own.
import { apply } from "./apply.js";
import { Tensor, scalar } from "./tensor.js";
import { allocate, isFloat, type DType } from "./dtype.js";
import { ShapeError, fmtShape } from "./errors.js";
import type { Pair } from "./primitive.js";

export type TensorLike = Tensor | number;

function lift(v: TensorLike, like: Tensor): Tensor {
  return typeof v === "number" ? scalar(v, like.dtype) : v;
}

function binaryArgs(op: string, a: TensorLike, b: TensorLike): [Tensor, Tensor] {
  if (typeof a === "number" && typeof b === "number") return [scalar(a), scalar(b)];
  if (typeof a === "number") return [lift(a, b as Tensor), b as Tensor];
  if (typeof b === "number") return [a, lift(b, a)];
  if (!(a instanceof Tensor) || !(b instanceof Tensor)) throw new ShapeError(op, `expected tensors or numbers, got ${typeof a} and ${typeof b}`);
  return [a, b];
}

// ── elementwise ─────────────────────────────────────────────────────────────
export const add = (a: TensorLike, b: TensorLike): Tensor => apply("add", binaryArgs("add", a, b), {});
export const sub = (a: TensorLike, b: TensorLike): Tensor => apply("sub", binaryArgs("sub", a, b), {});
export const mul = (a: TensorLike, b: TensorLike): Tensor => apply("mul", binaryArgs("mul", a, b), {});
export const div = (a: TensorLike, b: TensorLike): Tensor => apply("div", binaryArgs("div", a, b), {});
export const pow = (a: TensorLike, b: TensorLike): Tensor => apply("pow", binaryArgs("pow", a, b), {});
export const maximum = (a: TensorLike, b: TensorLike): Tensor => apply("maximum", binaryArgs("maximum", a, b), {});
export const minimum = (a: TensorLike, b: TensorLike): Tensor => apply("minimum", binaryArgs("minimum", a, b), {});
export const greater = (a: TensorLike, b: TensorLike): Tensor => apply("greater", binaryArgs("greater", a, b), {});
export const greaterEqual = (a: TensorLike, b: TensorLike): Tensor => apply("greaterEqual", binaryArgs("greaterEqual", a, b), {});
export const less = (a: TensorLike, b: TensorLike): Tensor => apply("less", binaryArgs("less", a, b), {});
export const lessEqual = (a: TensorLike, b: TensorLike): Tensor => apply("lessEqual", binaryArgs("lessEqual", a, b), {});
export const equal = (a: TensorLike, b: TensorLike): Tensor => apply("equal", binaryArgs("equal", a, b), {});

export const neg = (x: Tensor): Tensor => apply("neg", [x], {});
export const exp = (x: Tensor): Tensor => apply("exp", [x], {});
export const log = (x: Tensor): Tensor => apply("log", [x], {});
export const log1p = (x: Tensor): Tensor => apply("log1p", [x], {});
export const sqrt = (x: Tensor): Tensor => apply("sqrt", [x], {});
export const abs = (x: Tensor): Tensor => apply("abs", [x], {});
export const sign = (x: Tensor): Tensor => apply("sign", [x], {});
export const tanh = (x: Tensor): Tensor => apply("tanh", [x], {});
export const sigmoid = (x: Tensor): Tensor => apply("sigmoid", [x], {});
export const relu = (x: Tensor): Tensor => apply("relu", [x], {});
export const softplus = (x: Tensor): Tensor => apply("softplus", [x], {});
export const leakyRelu = (x: Tensor, alpha = 0.01): Tensor => apply("leakyRelu", [x], { alpha });
export const stopGradient = (x: Tensor): Tensor => apply("stopGradient", [x], {});
export const cast = (x: Tensor, dtype: DType): Tensor => (x.dtype === dtype ? x : apply("cast", [x], { dtype }));

/** cond ? a : b, elementwise with broadcasting. */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  const [ta, tb] = binaryArgs("where", a, b);
  return apply("where", [cond, ta, tb], {});
}

export const square = (x: Tensor): Tensor => mul(x, x);
export const reciprocal = (x: Tensor): Tensor => div(1, x);
/** Clamp to [lo, hi]; the gradient is 1 inside the closed interval, as in PyTorch. */
export function clip(x: Tensor, lo: number, hi: number): Tensor {
  return where(less(x, lo), lo, where(greater(x, hi), hi, x));
}
/** log σ(x) = −softplus(−x). */
export const logSigmoid = (x: Tensor): Tensor => neg(softplus(neg(x)));

// ── reductions ──────────────────────────────────────────────────────────────
export function normalizeAxes(op: string, rank: number, axes?: number | readonly number[]): number[] {
  if (axes === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axes === "number" ? [axes] : [...axes];
  const out = list.map((a) => {
    const n = a < 0 ? a + rank : a;
    if (n < 0 || n >= rank) throw new ShapeError(op, `axis ${a} is out of range for a tensor of rank ${rank}`);
    return n;
  });
  return [...new Set(out)].sort((x, y) => x - y);
}

export function sum(x: Tensor, axes?: number | readonly number[], keepdims = false): Tensor {
  return apply("sum", [x], { axes: normalizeAxes("sum", x.rank, axes), keepdims });
}
export function max(x: Tensor, axes?: number | readonly number[], keepdims = false): Tensor {
  return apply("max", [x], { axes: normalizeAxes("max", x.rank, axes), keepdims });
}
export function min(x: Tensor, axes?: number | readonly number[], keepdims = false): Tensor {
  return neg(max(neg(x), axes, keepdims));
}
export function mean(x: Tensor, axes?: number | readonly number[], keepdims = false): Tensor {
  const ax = normalizeAxes("mean", x.rank, axes);
  const count = ax.reduce((n, a) => n * x.shape[a], 1);
  return div(sum(x, ax, keepdims), count);
}
/** Biased variance over axes (divides by the count, like BatchNorm's batch statistics). */
export function variance(x: Tensor, axes?: number | readonly number[], keepdims = false): Tensor {
  const mu = mean(x, axes, true);
  return mean(square(sub(x, mu)), axes, keepdims);
}
/** log Σ exp x, stabilized by the (constant) maximum. */
export function logsumexp(x: Tensor, axes?: number | readonly number[], keepdims = false): Tensor {
  const ax = normalizeAxes("logsumexp", x.rank, axes);
  const m = stopGradient(max(x, ax, true));
  const mFinite = where(equal(abs(m), Infinity), 0, m);
  const s = add(log(sum(exp(sub(x, mFinite)), ax, true)), mFinite);
  return keepdims ? s : reshape(s, x.shape.filter((_, i) => !ax.includes(i)));
}
/** (x − m) − log Σ exp(x − m) with m the (constant) maximum: shifting first keeps results near 0 exact. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  const ax = normalizeAxes("logSoftmax", x.rank, axis);
  const m = stopGradient(max(x, ax, true));
  const shifted = sub(x, where(equal(abs(m), Infinity), 0, m));
  return sub(shifted, log(sum(exp(shifted), ax, true)));
}
export function softmax(x: Tensor, axis = -1): Tensor {
  return exp(logSoftmax(x, axis));
}

// ── layout ──────────────────────────────────────────────────────────────────
/** Reshape; one dimension may be −1 (inferred). */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const known = shape.reduce((n, d) => (d === -1 ? n : n * d), 1);
  const inferred = shape.filter((d) => d === -1).length;
  if (inferred > 1) throw new ShapeError("reshape", `at most one dimension may be -1, got ${fmtShape(shape)}`);
  const full = shape.map((d) => (d === -1 ? (known === 0 ? 0 : x.size / known) : d));
  if (full.some((d) => !Number.isInteger(d) || d < 0)) throw new ShapeError("reshape", `cannot reshape ${fmtShape(x.shape)} (${x.size} elements) to ${fmtShape(shape)}`);
  if (full.length === x.rank && full.every((d, i) => d === x.shape[i])) return x;
  return apply("reshape", [x], { shape: full });
}
export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  const p = perm ? perm.map((a) => (a < 0 ? a + x.rank : a)) : Array.from({ length: x.rank }, (_, i) => x.rank - 1 - i);
  if (p.every((a, i) => a === i)) return x;
  return apply("transpose", [x], { perm: p });
}
/** Swap the last two axes. */
export function mT(x: Tensor): Tensor {
  const p = Array.from({ length: x.rank }, (_, i) => i);
  [p[x.rank - 2], p[x.rank - 1]] = [p[x.rank - 1], p[x.rank - 2]];
  return transpose(x, p);
}
export function flatten(x: Tensor, startAxis = 1): Tensor {
  return reshape(x, [...x.shape.slice(0, startAxis), -1]);
}
/** Broadcast to a shape (numpy rules: prepend ones, stretch size-1 dimensions). */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  if (x.rank === shape.length && x.shape.every((d, i) => d === shape[i])) return x;
  if (shape.length < x.rank) throw new ShapeError("broadcastTo", `cannot broadcast ${fmtShape(x.shape)} to the lower-rank ${fmtShape(shape)}`);
  const padded = x.rank < shape.length ? reshape(x, [...new Array(shape.length - x.rank).fill(1), ...x.shape]) : x;
  return apply("expand", [padded], { shape: [...shape] });
}
/** Sum a broadcast result back to `shape` (the VJP of broadcasting). */
export function sumTo(x: Tensor, shape: readonly number[]): Tensor {
  if (x.rank === shape.length && x.shape.every((d, i) => d === shape[i])) return x;
  const lead = x.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < x.rank; i++) if (i < lead || (shape[i - lead] === 1 && x.shape[i] !== 1)) axes.push(i);
  const s = axes.length ? sum(x, axes, true) : x;
  return reshape(s, shape);
}
export function concat(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw new ShapeError("concat", "needs at least one tensor");
  const a = axis < 0 ? axis + xs[0].rank : axis;
  if (xs.length === 1) return xs[0];
  return apply("concat", [...xs], { axis: a });
}
export function stack(xs: readonly Tensor[], axis = 0): Tensor {
  return concat(xs.map((x) => reshape(x, [...x.shape.slice(0, axis), 1, ...x.shape.slice(axis)])), axis);
}
/** Slice along one axis: [start, end) with step. */
export function sliceAxis(x: Tensor, axis: number, start: number, end: number, step = 1): Tensor {
  const a = axis < 0 ? axis + x.rank : axis;
  const starts = x.shape.map(() => 0);
  const ends = [...x.shape];
  const steps = x.shape.map(() => 1);
  const n = x.shape[a];
  starts[a] = Math.max(0, Math.min(n, start < 0 ? start + n : start));
  ends[a] = Math.max(starts[a], Math.min(n, end < 0 ? end + n : end));
  steps[a] = step;
  return slice(x, starts, ends, steps);
}
export function slice(x: Tensor, starts: readonly number[], ends: readonly number[], steps?: readonly number[]): Tensor {
  const st = steps ?? starts.map(() => 1);
  if (starts.every((s, i) => s === 0) && ends.every((e, i) => e === x.shape[i]) && st.every((s) => s === 1)) return x;
  return apply("slice", [x], { starts: [...starts], ends: [...ends], steps: [...st] });
}
export function split(x: Tensor, sizes: readonly number[], axis = 0): Tensor[] {
  const a = axis < 0 ? axis + x.rank : axis;
  const total = sizes.reduce((s, n) => s + n, 0);
  if (total !== x.shape[a]) throw new ShapeError("split", `sizes ${fmtShape(sizes)} sum to ${total} but axis ${a} of ${fmtShape(x.shape)} has ${x.shape[a]}`);
  let at = 0;
  return sizes.map((n) => {
    const part = sliceAxis(x, a, at, at + n);
    at += n;
    return part;
  });
}
/** Constant padding; pads[i] = [before, after] for axis i (missing leading axes are not padded). */
export function pad(x: Tensor, pads: readonly Pair[], value = 0): Tensor {
  const full: Pair[] = [...new Array(x.rank - pads.length).fill([0, 0]), ...pads].map((p) => [p[0], p[1]] as Pair);
  if (full.every((p) => p[0] === 0 && p[1] === 0)) return x;
  return apply("pad", [x], { pads: full, value });
}
/** Rows of table at integer indices: out shape = indices.shape + table.shape[1:]. */
export function gather(table: Tensor, indices: Tensor): Tensor {
  return apply("gather", [table, indices], {});
}
/** Gather along any axis. */
export function take(x: Tensor, indices: Tensor, axis = 0): Tensor {
  const a = axis < 0 ? axis + x.rank : axis;
  if (a === 0) return gather(x, indices);
  const perm = [a, ...Array.from({ length: x.rank }, (_, i) => i).filter((i) => i !== a)];
  const g = gather(transpose(x, perm), indices);
  // g: indices.shape + (x.shape without axis a); move the index dims back to position a.
  const k = indices.rank;
  const rest = x.rank - 1;
  const back = [...Array.from({ length: a }, (_, i) => k + i), ...Array.from({ length: k }, (_, i) => i), ...Array.from({ length: rest - a }, (_, i) => k + a + i)];
  return transpose(g, back);
}
/** One-hot encoding of int32 indices: out shape = indices.shape + [n]. */
export function oneHot(indices: Tensor, n: number, dtype: DType = "float32"): Tensor {
  if (indices.dtype !== "int32") throw new ShapeError("oneHot", `indices must be int32, got ${indices.dtype}`);
  const classes = allocate("int32", n).map((_, i) => i);
  const range = new Tensor([...new Array(indices.rank).fill(1), n], "int32", classes);
  return cast(equal(reshape(indices, [...indices.shape, 1]), range), dtype);
}

// ── linear algebra and convolution ─────────────────────────────────────────
export function matmul(a: Tensor, b: Tensor): Tensor {
  return apply("matmul", [a, b], {});
}
/** x @ wᵀ + b with PyTorch's [out, in] weight layout. */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  const y = matmul(x, mT(weight));
  return bias ? add(y, bias) : y;
}

export interface ConvOptions {
  stride?: number | Pair;
  padding?: number | Pair;
  dilation?: number | Pair;
  groups?: number;
}
const pair = (v: number | Pair | undefined, d: number): Pair => (v === undefined ? [d, d] : typeof v === "number" ? [v, v] : [v[0], v[1]]);

/** 2-D convolution, NCHW input and [out, in/groups, kh, kw] weight (PyTorch layout). */
export function conv2d(x: Tensor, weight: Tensor, opts: ConvOptions = {}): Tensor {
  return apply("conv2d", [x, weight], { stride: pair(opts.stride, 1), padding: pair(opts.padding, 0), dilation: pair(opts.dilation, 1), groups: opts.groups ?? 1 });
}
/** Transposed convolution, weight [in, out/groups, kh, kw] (PyTorch layout). */
export function convTranspose2d(x: Tensor, weight: Tensor, opts: ConvOptions & { outputPadding?: number | Pair } = {}): Tensor {
  return apply("convTranspose2d", [x, weight], {
    stride: pair(opts.stride, 1),
    padding: pair(opts.padding, 0),
    dilation: pair(opts.dilation, 1),
    groups: opts.groups ?? 1,
    outputPadding: pair(opts.outputPadding, 0),
  });
}
export interface PoolOptions {
  stride?: number | Pair;
  padding?: number | Pair;
}
export function maxPool2d(x: Tensor, kernel: number | Pair, opts: PoolOptions = {}): Tensor {
  const k = pair(kernel, 1);
  return apply("maxPool2d", [x], { kernel: k, stride: pair(opts.stride ?? k, 1), padding: pair(opts.padding, 0) });
}
/** Average pooling; padded zeros count in the average (PyTorch's count_include_pad=True). */
export function avgPool2d(x: Tensor, kernel: number | Pair, opts: PoolOptions = {}): Tensor {
  const k = pair(kernel, 1);
  return apply("avgPool2d", [x], { kernel: k, stride: pair(opts.stride ?? k, 1), padding: pair(opts.padding, 0) });
}

/** Zero-valued tensor shaped and typed like x (concrete). */
export function zerosLike(x: Tensor): Tensor {
  return new Tensor(x.shape, x.dtype, allocate(x.dtype, x.size));
}
export function assertFloat(op: string, x: Tensor): void {
  if (!isFloat(x.dtype)) throw new ShapeError(op, `expects a float tensor, got ${x.dtype}`);
}
