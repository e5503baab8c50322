// The primitive test suite: one table row per primitive (every key of PrimAttrs), each with
// input generators in the primitive's own domain, several attribute/shape cases, an independent
// reference implementation and (where it applies) a gradient check of order 1 or 2.
//
//  - forward: every case's eager `eval` (float64 and float32) against the row's plain reference
//    written here (index arithmetic over multi-indices, not the engine's stride walkers), plus
//    small hand-computed values;
//  - ONNX: every case lowered to ONNX and run by onnxruntime-node agrees with the eager eval in
//    float32, and in float64 where ONNX Runtime's CPU provider has a double kernel (one compiled
//    function per primitive and dtype returns all its cases' outputs at once);
//  - gradients: checkGrads (./gradcheck.ts) in float64 eager mode, first and second order;
//    non-differentiable primitives get a test that their VJP is null/zero and autodiff through
//    them gives zeros.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compile, grad, Rng, Tensor, valueAndGrad, vjp, type DType, type Prim, type PrimAttrs, type PrimRule } from "../../src/engine/index.js";
import { apply } from "../../src/engine/apply.js";
import { primitives } from "../../src/engine/registry.js";
import * as ops from "../../src/engine/ops.js";
import { checkGrads, type CheckGradsOptions } from "./gradcheck.js";

type FloatDT = "float32" | "float64";
type Gen = (rng: Rng, dt: FloatDT) => Tensor;

/** A plain array with a shape: the references' currency. */
interface Arr {
  shape: number[];
  data: ArrayLike<number>;
}

interface Case<P extends Prim> {
  name: string;
  inputs: Gen[];
  attrs: PrimAttrs[P] | ((dt: FloatDT) => PrimAttrs[P]);
  /** false: no gradient check for this case (no float input, or a non-float output). */
  grad?: boolean;
  gradOpts?: CheckGradsOptions;
}

interface Known<P extends Prim> {
  inputs: Tensor[];
  attrs: PrimAttrs[P];
  expected: number[];
  shape: number[];
}

interface Row<P extends Prim> {
  prim: P;
  cases: Case<P>[];
  /** 2: first- and second-order checks; 1: first order only; 0: not differentiable (tested below). */
  order: 0 | 1 | 2;
  /** Independent reference: inputs as plain arrays (float64 values) → output. */
  ref: (ins: Arr[], attrs: PrimAttrs[P]) => Arr;
  /** Hand-computed values. */
  known?: Known<P>[];
  gradOpts?: CheckGradsOptions;
}

// ── ONNX Runtime's CPU provider has no float64 kernel for these (detected: creating a float64
// session fails with "Could not find an implementation for …"; the test below re-detects it, so
// this list fails loudly when it goes stale):
//   conv2d (Conv), convTranspose2d (ConvTranspose), avgPool2d (AveragePool).
// (Softplus has none either; its float64 lowering is a composite, so softplus runs in float64.)
const NO_FLOAT64_KERNEL: ReadonlySet<Prim> = new Set<Prim>(["conv2d", "convTranspose2d", "avgPool2d"]);

// ── small helpers ───────────────────────────────────────────────────────────
const size = (shape: readonly number[]) => shape.reduce((n, d) => n * d, 1);

function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return idx;
}
function ravel(idx: readonly number[], shape: readonly number[]): number {
  let o = 0;
  for (let d = 0; d < shape.length; d++) o = o * shape[d] + idx[d];
  return o;
}
const at = (t: Arr, idx: readonly number[]) => t.data[ravel(idx, t.shape)];
/** t read at an index of a (numpy-)broadcast output. */
function bAt(t: Arr, idx: readonly number[]): number {
  const off = idx.length - t.shape.length;
  return at(t, t.shape.map((d, k) => (d === 1 ? 0 : idx[off + k])));
}
function bShape(...shapes: (readonly number[])[]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  return Array.from({ length: rank }, (_, i) => Math.max(...shapes.map((s) => s[s.length - rank + i] ?? 1)));
}
function build(shape: number[], fn: (idx: number[]) => number): Arr {
  const data = new Float64Array(size(shape));
  for (let i = 0; i < data.length; i++) data[i] = fn(unravel(i, shape));
  return { shape, data };
}
const toArr = (t: Tensor): Arr => ({ shape: [...t.shape], data: Float64Array.from(t.values()) });

function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0;
  return h;
}

function make(dt: DType, shape: number[], values: ArrayLike<number>): Tensor {
  return ops.cast(new Tensor(shape, "float64", Float64Array.from(values)), dt);
}

// ── input generators ────────────────────────────────────────────────────────
/** Uniform in [lo, hi). */
const U = (shape: number[], lo = -2, hi = 2): Gen => (rng, dt) => make(dt, shape, rng.fillUniform(new Float64Array(size(shape)), lo, hi));
/** |x| uniform in [lo, hi) with a random sign: away from the kink at 0 (abs, relu, leakyRelu, division). */
const Away = (shape: number[], lo = 0.2, hi = 2): Gen => (rng, dt) =>
  make(dt, shape, Array.from({ length: size(shape) }, () => (rng.uniform() < 0.5 ? -1 : 1) * (lo + (hi - lo) * rng.uniform())));
/** Random picks from a small set (comparisons: ties are frequent and exact). */
const Pick = (shape: number[], values: number[]): Gen => (rng, dt) => make(dt, shape, Array.from({ length: size(shape) }, () => values[rng.int(values.length)]));
/** 0.4·k + offset for random integers k in [−5, 5]: with offsets 0 and 0.2 two such tensors never tie. */
const Lattice = (shape: number[], offset: number): Gen => (rng, dt) => make(dt, shape, Array.from({ length: size(shape) }, () => 0.4 * (rng.int(11) - 5) + offset));
/** Distinct values 0.1 apart in random order (max, maxPool: no ties anywhere). */
const Distinct = (shape: number[]): Gen => (rng, dt) => {
  const n = size(shape);
  const p = rng.permutation(n);
  return make(dt, shape, Array.from(p, (k) => 0.1 * (k - n / 2) + 0.03));
};
const Int = (shape: number[], values: number[]): Gen => () => new Tensor(shape, "int32", Int32Array.from(values));
const Bool = (shape: number[], values: number[]): Gen => () => new Tensor(shape, "bool", Uint8Array.from(values));

const f64t = (shape: number[], values: number[]) => new Tensor(shape, "float64", Float64Array.from(values));
const iota = (n: number, from = 1) => Array.from({ length: n }, (_, i) => i + from);

// ── references ──────────────────────────────────────────────────────────────
const unaryRef = (fn: (v: number) => number) => ([x]: Arr[]): Arr => build([...x.shape], (idx) => fn(at(x, idx)));
const binaryRef = (fn: (a: number, b: number) => number) => ([a, b]: Arr[]): Arr => build(bShape(a.shape, b.shape), (idx) => fn(bAt(a, idx), bAt(b, idx)));

function reduceRef(x: Arr, axes: number[], keepdims: boolean, init: number, combine: (acc: number, v: number) => number): Arr {
  const outShape = keepdims ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !axes.includes(i));
  return build(outShape, (oidx) => {
    let acc = init;
    for (let j = 0; j < size(x.shape); j++) {
      const xi = unravel(j, x.shape);
      const proj = keepdims ? xi.map((v, i) => (axes.includes(i) ? 0 : v)) : xi.filter((_, i) => !axes.includes(i));
      if (proj.every((v, i) => v === oidx[i])) acc = combine(acc, x.data[j]);
    }
    return acc;
  });
}

function matmulRef([a, b]: Arr[]): Arr {
  const [m, k] = a.shape.slice(-2);
  const n = b.shape[b.shape.length - 1];
  const batch = bShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  // an operand's batch index under broadcasting
  const batchIndex = (t: Arr, idx: number[]) => {
    const bs = t.shape.slice(0, -2);
    const off = idx.length - bs.length;
    return bs.map((d, q) => (d === 1 ? 0 : idx[off + q]));
  };
  return build([...batch, m, n], (idx) => {
    const bi = idx.slice(0, -2);
    const [i, j] = idx.slice(-2);
    const ia = batchIndex(a, bi);
    const ib = batchIndex(b, bi);
    let s = 0;
    for (let p = 0; p < k; p++) s += at(a, [...ia, i, p]) * at(b, [...ib, p, j]);
    return s;
  });
}

interface ConvRefAttrs {
  stride: [number, number];
  /** [top, bottom, left, right]; negative values crop. */
  pads: [number, number, number, number];
  dilation: [number, number];
  groups: number;
}

/**
 * Direct convolution written differently from the engine's: materialize the padded input and
 * the dilated kernel (zeros between taps), then a plain strided correlation per group.
 */
function convRef(x: Arr, w: Arr, a: ConvRefAttrs): Arr {
  const [N, C, H, W] = x.shape;
  const [O, Cg, KH, KW] = w.shape;
  const [pt, pb, pl, pr] = a.pads;
  const PH = H + pt + pb, PW = W + pl + pr;
  const padded = build([N, C, PH, PW], ([n, c, i, j]) => {
    const ii = i - pt, jj = j - pl;
    return ii >= 0 && ii < H && jj >= 0 && jj < W ? at(x, [n, c, ii, jj]) : 0;
  });
  const DKH = (KH - 1) * a.dilation[0] + 1, DKW = (KW - 1) * a.dilation[1] + 1;
  const dil = build([O, Cg, DKH, DKW], ([o, c, u, v]) => (u % a.dilation[0] === 0 && v % a.dilation[1] === 0 ? at(w, [o, c, u / a.dilation[0], v / a.dilation[1]]) : 0));
  const OH = Math.floor((PH - DKH) / a.stride[0]) + 1;
  const OW = Math.floor((PW - DKW) / a.stride[1]) + 1;
  const Og = O / a.groups;
  return build([N, O, OH, OW], ([n, o, i, j]) => {
    const g = Math.floor(o / Og);
    let s = 0;
    for (let c = 0; c < Cg; c++)
      for (let u = 0; u < DKH; u++)
        for (let v = 0; v < DKW; v++) s += at(padded, [n, g * Cg + c, i * a.stride[0] + u, j * a.stride[1] + v]) * at(dil, [o, c, u, v]);
    return s;
  });
}

/**
 * Transposed convolution as zero insertion + correlation: put stride−1 zeros between input
 * pixels, pad by dilation·(k−1) − padding on each side (plus the output padding at the
 * bottom/right), and correlate with the spatially flipped kernel, in/out channels swapped.
 */
function convTransposeRef(x: Arr, w: Arr, a: PrimAttrs["convTranspose2d"]): Arr {
  const [N, C, H, W] = x.shape;
  const [, COg, KH, KW] = w.shape;
  const G = a.groups;
  const Cg = C / G;
  const up = build([N, C, (H - 1) * a.stride[0] + 1, (W - 1) * a.stride[1] + 1], ([n, c, i, j]) =>
    i % a.stride[0] === 0 && j % a.stride[1] === 0 ? at(x, [n, c, i / a.stride[0], j / a.stride[1]]) : 0,
  );
  // flipped kernel in conv layout [G·COg, Cg, KH, KW]
  const flipped = build([G * COg, Cg, KH, KW], ([o, c, u, v]) => {
    const g = Math.floor(o / COg);
    return at(w, [g * Cg + c, o % COg, KH - 1 - u, KW - 1 - v]);
  });
  const qh = a.dilation[0] * (KH - 1) - a.padding[0];
  const qw = a.dilation[1] * (KW - 1) - a.padding[1];
  return convRef(up, flipped, { stride: [1, 1], pads: [qh, qh + a.outputPadding[0], qw, qw + a.outputPadding[1]], dilation: a.dilation, groups: G });
}

function poolRef(x: Arr, a: PrimAttrs["maxPool2d"], kind: "max" | "avg"): Arr {
  const [N, C, H, W] = x.shape;
  const [ph, pw] = a.padding;
  const fillValue = kind === "max" ? -Infinity : 0;
  const padded = build([N, C, H + 2 * ph, W + 2 * pw], ([n, c, i, j]) => {
    const ii = i - ph, jj = j - pw;
    return ii >= 0 && ii < H && jj >= 0 && jj < W ? at(x, [n, c, ii, jj]) : fillValue;
  });
  const OH = Math.floor((H + 2 * ph - a.kernel[0]) / a.stride[0]) + 1;
  const OW = Math.floor((W + 2 * pw - a.kernel[1]) / a.stride[1]) + 1;
  return build([N, C, OH, OW], ([n, c, i, j]) => {
    const vals: number[] = [];
    for (let u = 0; u < a.kernel[0]; u++) for (let v = 0; v < a.kernel[1]; v++) vals.push(at(padded, [n, c, i * a.stride[0] + u, j * a.stride[1] + v]));
    return kind === "max" ? Math.max(...vals) : vals.reduce((s, v) => s + v, 0) / vals.length; // count_include_pad
  });
}

const castRef = (dtype: DType) => (v: number) => (dtype === "float32" ? Math.fround(v) : dtype === "int32" ? Math.trunc(v) : dtype === "bool" ? (v !== 0 ? 1 : 0) : v);

// ── case builders ───────────────────────────────────────────────────────────
const UNARY_SHAPES: number[][] = [[2, 3], [], [2, 1, 3]];
function unaryCases(gen: (shape: number[]) => Gen): Case<any>[] {
  return UNARY_SHAPES.map((s) => ({ name: `[${s.join(",")}]`, inputs: [gen(s)], attrs: {} }));
}
/** Same shapes, scalar-vs-tensor both ways, [3,1]×[1,4], and rank broadcasting [2,1,3]×[4,1]. */
const BINARY_SHAPES: [number[], number[]][] = [[[2, 3], [2, 3]], [[], [2, 3]], [[2, 3], []], [[3, 1], [1, 4]], [[2, 1, 3], [4, 1]]];
function binaryCases(ga: (s: number[]) => Gen, gb: (s: number[]) => Gen): Case<any>[] {
  return BINARY_SHAPES.map(([sa, sb]) => ({ name: `[${sa.join(",")}]×[${sb.join(",")}]`, inputs: [ga(sa), gb(sb)], attrs: {} }));
}
const REDUCE_CASES: { axes: number[]; keepdims: boolean }[] = [
  { axes: [1], keepdims: false },
  { axes: [2], keepdims: true },
  { axes: [0, 2], keepdims: false },
  { axes: [0, 2], keepdims: true },
  { axes: [0, 1, 2], keepdims: false },
  { axes: [0, 1, 2], keepdims: true },
  { axes: [], keepdims: false },
];
// inner and trailing axes at once (a conv bias's gradient): lowered as two reductions
const REDUCE_CASES_4D: { axes: number[]; keepdims: boolean }[] = [
  { axes: [0, 2, 3], keepdims: false },
  { axes: [0, 2, 3], keepdims: true },
  { axes: [3, 0, 1], keepdims: false },
  { axes: [1, 3], keepdims: true },
];
const conv = (stride: number | [number, number], padding: number | [number, number], dilation: number | [number, number], groups: number): PrimAttrs["conv2d"] => {
  const p = (v: number | [number, number]): [number, number] => (typeof v === "number" ? [v, v] : v);
  return { stride: p(stride), padding: p(padding), dilation: p(dilation), groups };
};
const convT = (stride: number | [number, number], padding: number | [number, number], dilation: number | [number, number], groups: number, outputPadding: number | [number, number]): PrimAttrs["convTranspose2d"] => ({
  ...conv(stride, padding, dilation, groups),
  outputPadding: typeof outputPadding === "number" ? [outputPadding, outputPadding] : outputPadding,
});
const pool = (kernel: number | [number, number], stride: number | [number, number], padding: number | [number, number]): PrimAttrs["maxPool2d"] => {
  const p = (v: number | [number, number]): [number, number] => (typeof v === "number" ? [v, v] : v);
  return { kernel: p(kernel), stride: p(stride), padding: p(padding) };
};
const POOL_CASES: { name: string; shape: number[]; attrs: PrimAttrs["maxPool2d"] }[] = [
  { name: "kernel 2", shape: [2, 3, 4, 4], attrs: pool(2, 2, 0) },
  { name: "kernel 3, stride 2, padding 1", shape: [1, 2, 5, 6], attrs: pool(3, 2, 1) },
  { name: "kernel 3, stride 1, padding 1 (overlapping windows)", shape: [1, 1, 4, 4], attrs: pool(3, 1, 1) },
  { name: "kernel [2,3], stride [1,2], padding [1,0]", shape: [1, 1, 4, 7], attrs: pool([2, 3], [1, 2], [1, 0]) },
];

// The 4×4 test image for the pooling hand computations.
const POOL_IMAGE = [1, 5, 2, 0, 3, 9, 4, 8, 7, 6, 11, 10, 2, 1, 12, 3];

function row<P extends Prim>(prim: P, spec: Omit<Row<P>, "prim">): Row<Prim> {
  return { prim, ...spec } as unknown as Row<Prim>;
}
const sigmoidNaive = (v: number) => 1 / (1 + Math.exp(-v));

// ── the table ───────────────────────────────────────────────────────────────
const ROWS: Row<Prim>[] = [
  // elementwise unary
  row("neg", { order: 2, cases: unaryCases((s) => U(s)), ref: unaryRef((v) => 0 - v), known: [{ inputs: [f64t([3], [1, -2, 0])], attrs: {}, expected: [-1, 2, -0], shape: [3] }] }),
  row("exp", { order: 2, cases: unaryCases((s) => U(s)), ref: unaryRef((v) => Math.E ** v), known: [{ inputs: [f64t([3], [0, 1, -1])], attrs: {}, expected: [1, Math.E, 1 / Math.E], shape: [3] }] }),
  row("log", { order: 2, cases: unaryCases((s) => U(s, 0.2, 3)), ref: unaryRef((v) => Math.log2(v) * Math.LN2), known: [{ inputs: [f64t([3], [1, Math.E, 0.5])], attrs: {}, expected: [0, 1, -Math.LN2], shape: [3] }] }),
  row("log1p", {
    order: 2,
    cases: unaryCases((s) => U(s, -0.5, 3)),
    // the series where 1 + v would round
    ref: unaryRef((v) => (Math.abs(v) < 1e-4 ? v - v ** 2 / 2 + v ** 3 / 3 - v ** 4 / 4 : Math.log(1 + v))),
    known: [{ inputs: [f64t([3], [0, 1e-10, Math.E - 1])], attrs: {}, expected: [0, 1e-10 - 5e-21, 1], shape: [3] }],
  }),
  row("sqrt", { order: 2, cases: unaryCases((s) => U(s, 0.2, 3)), ref: unaryRef((v) => v ** 0.5), known: [{ inputs: [f64t([3], [4, 2, 0])], attrs: {}, expected: [2, Math.SQRT2, 0], shape: [3] }] }),
  row("abs", { order: 2, cases: unaryCases((s) => Away(s)), ref: unaryRef((v) => (v < 0 ? -v : v)), known: [{ inputs: [f64t([3], [-3, 2, 0])], attrs: {}, expected: [3, 2, 0], shape: [3] }] }),
  row("sign", { order: 0, cases: unaryCases((s) => Pick(s, [-1.5, -0.25, 0, 0.5, 2])), ref: unaryRef((v) => (v > 0 ? 1 : v < 0 ? -1 : 0)), known: [{ inputs: [f64t([3], [-2, 0, 0.1])], attrs: {}, expected: [-1, 0, 1], shape: [3] }] }),
  row("tanh", {
    order: 2,
    cases: unaryCases((s) => U(s, -3, 3)),
    ref: unaryRef((v) => (Math.exp(2 * v) - 1) / (Math.exp(2 * v) + 1)),
    known: [{ inputs: [f64t([2], [0.5, 0])], attrs: {}, expected: [0.46211715726000974, 0], shape: [2] }],
  }),
  row("sigmoid", {
    order: 2,
    cases: unaryCases((s) => U(s, -4, 4)),
    ref: unaryRef(sigmoidNaive),
    known: [{ inputs: [f64t([3], [0, 2, -2])], attrs: {}, expected: [0.5, 0.8807970779778823, 0.11920292202211755], shape: [3] }],
  }),
  row("relu", { order: 2, cases: unaryCases((s) => Away(s)), ref: unaryRef((v) => (v > 0 ? v : 0)), known: [{ inputs: [f64t([3], [-1, 2, 0])], attrs: {}, expected: [0, 2, 0], shape: [3] }] }),
  row("softplus", {
    order: 2,
    cases: unaryCases((s) => U(s, -4, 4)),
    ref: unaryRef((v) => Math.log(1 + Math.exp(v))),
    known: [{ inputs: [f64t([3], [0, 1, -1])], attrs: {}, expected: [Math.LN2, 1.3132616875182228, 0.31326168751822286], shape: [3] }],
  }),
  row("leakyRelu", {
    order: 2,
    cases: [
      { name: "alpha 0.01", inputs: [Away([2, 3])], attrs: { alpha: 0.01 } },
      { name: "alpha 0.2, scalar", inputs: [Away([])], attrs: { alpha: 0.2 } },
      { name: "alpha 0.2", inputs: [Away([3, 4])], attrs: { alpha: 0.2 } },
      // outside (0, 1) the slope is not max([y > 0], α): the other gradient form
      { name: "alpha 1.5", inputs: [Away([3, 4])], attrs: { alpha: 1.5 } },
      { name: "alpha -0.5", inputs: [Away([3, 4])], attrs: { alpha: -0.5 } },
    ],
    ref: ([x], { alpha }) => build([...x.shape], (i) => (at(x, i) > 0 ? at(x, i) : alpha * at(x, i))),
    known: [{ inputs: [f64t([2], [-2, 3])], attrs: { alpha: 0.1 }, expected: [-0.2, 3], shape: [2] }],
  }),

  // elementwise binary
  row("add", { order: 2, cases: binaryCases((s) => U(s), (s) => U(s)), ref: binaryRef((a, b) => a + b), known: [{ inputs: [f64t([3, 1], [1, 2, 3]), f64t([1, 2], [10, 20])], attrs: {}, expected: [11, 21, 12, 22, 13, 23], shape: [3, 2] }] }),
  row("sub", { order: 2, cases: binaryCases((s) => U(s), (s) => U(s)), ref: binaryRef((a, b) => a - b), known: [{ inputs: [f64t([], [1]), f64t([2], [10, 20])], attrs: {}, expected: [-9, -19], shape: [2] }] }),
  row("mul", { order: 2, cases: binaryCases((s) => U(s), (s) => U(s)), ref: binaryRef((a, b) => a * b), known: [{ inputs: [f64t([2, 1], [2, 3]), f64t([2], [5, 7])], attrs: {}, expected: [10, 14, 15, 21], shape: [2, 2] }] }),
  row("div", { order: 2, cases: binaryCases((s) => U(s), (s) => Away(s, 0.5, 2)), ref: binaryRef((a, b) => a / b), known: [{ inputs: [f64t([2], [1, 3]), f64t([], [4])], attrs: {}, expected: [0.25, 0.75], shape: [2] }] }),
  row("pow", {
    order: 2,
    cases: binaryCases((s) => U(s, 0.5, 2), (s) => U(s, -1.5, 2)),
    ref: binaryRef((a, b) => Math.exp(b * Math.log(a))),
    known: [{ inputs: [f64t([3], [2, 9, 4]), f64t([3], [10, 0.5, -1])], attrs: {}, expected: [1024, 3, 0.25], shape: [3] }],
  }),
  row("maximum", {
    order: 2,
    cases: binaryCases((s) => Lattice(s, 0), (s) => Lattice(s, 0.2)),
    ref: binaryRef((a, b) => (a > b ? a : b)),
    known: [{ inputs: [f64t([3], [-1, 5, 2]), f64t([3], [2, 1, 2])], attrs: {}, expected: [2, 5, 2], shape: [3] }],
  }),
  row("minimum", {
    order: 2,
    cases: binaryCases((s) => Lattice(s, 0), (s) => Lattice(s, 0.2)),
    ref: binaryRef((a, b) => (a < b ? a : b)),
    known: [{ inputs: [f64t([3], [-1, 5, 2]), f64t([3], [2, 1, 2])], attrs: {}, expected: [-1, 1, 2], shape: [3] }],
  }),

  // comparisons (ties are frequent: values from a small set)
  ...(
    [
      ["greater", (a: number, b: number) => a > b, [0, 1, 0]],
      ["greaterEqual", (a: number, b: number) => a >= b, [0, 1, 1]],
      ["less", (a: number, b: number) => a < b, [1, 0, 0]],
      ["lessEqual", (a: number, b: number) => a <= b, [1, 0, 1]],
      ["equal", (a: number, b: number) => a === b, [0, 0, 1]],
    ] as const
  ).map(([prim, fn, expected]) =>
    row(prim, {
      order: 0,
      cases: binaryCases((s) => Pick(s, [-1, -0.5, 0, 0.5, 1]), (s) => Pick(s, [-1, -0.5, 0, 0.5, 1])),
      ref: binaryRef((a, b) => (fn(a, b) ? 1 : 0)),
      known: [{ inputs: [f64t([3], [-1, 5, 2]), f64t([3], [2, 1, 2])], attrs: {}, expected: [...expected], shape: [3] }],
    }),
  ),
  row("where", {
    order: 2,
    cases: [
      { name: "same shapes", inputs: [Bool([2, 3], [1, 0, 0, 1, 1, 0]), U([2, 3]), U([2, 3])], attrs: {} },
      { name: "cond [3,1], a [1,4], b scalar", inputs: [Bool([3, 1], [1, 0, 1]), U([1, 4]), U([])], attrs: {} },
      { name: "cond [4], a [2,1], b [2,4]", inputs: [Bool([4], [0, 1, 1, 0]), U([2, 1]), U([2, 4])], attrs: {} },
    ],
    ref: ([c, a, b]) => build(bShape(c.shape, a.shape, b.shape), (i) => (bAt(c, i) ? bAt(a, i) : bAt(b, i))),
    known: [{ inputs: [new Tensor([3], "bool", Uint8Array.from([1, 0, 1])), f64t([3], [1, 2, 3]), f64t([], [-1])], attrs: {}, expected: [1, -1, 3], shape: [3] }],
  }),
  row("cast", {
    // float → float is differentiable (checked; the float32 round trip with a wide step);
    // float → int32/bool and int/bool → float are not (tested with the non-differentiable set).
    order: 2,
    cases: [
      { name: "float → float64", inputs: [U([2, 3])], attrs: { dtype: "float64" } },
      { name: "float → float32", inputs: [U([2, 3])], attrs: { dtype: "float32" }, gradOpts: { eps: 1e-2, rtol: 1e-4, atol: 1e-6 } },
      { name: "float → int32 (truncates toward zero)", inputs: [U([2, 4], -3, 3)], attrs: { dtype: "int32" }, grad: false },
      { name: "float → bool", inputs: [Pick([2, 3], [-1, 0, 0.5])], attrs: { dtype: "bool" }, grad: false },
      { name: "int32 → float", inputs: [Int([4], [-3, 0, 2, 7])], attrs: (dt) => ({ dtype: dt }), grad: false },
      { name: "bool → float", inputs: [Bool([3], [1, 0, 1])], attrs: (dt) => ({ dtype: dt }), grad: false },
    ],
    ref: ([x], { dtype }) => unaryRef(castRef(dtype))([x]),
    known: [
      { inputs: [f64t([5], [-2.7, -0.5, 0, 0.5, 2.7])], attrs: { dtype: "int32" }, expected: [-2, 0, 0, 0, 2], shape: [5] },
      { inputs: [f64t([5], [-2.7, -0.5, 0, 0.5, 2.7])], attrs: { dtype: "bool" }, expected: [1, 1, 0, 1, 1], shape: [5] },
      { inputs: [f64t([1], [0.1])], attrs: { dtype: "float32" }, expected: [0.10000000149011612], shape: [1] },
    ],
  }),
  row("stopGradient", { order: 0, cases: unaryCases((s) => U(s)), ref: unaryRef((v) => v), known: [{ inputs: [f64t([2], [3, -4])], attrs: {}, expected: [3, -4], shape: [2] }] }),

  // reductions
  row("sum", {
    order: 2,
    cases: [
      ...REDUCE_CASES.map((a) => ({ name: `axes [${a.axes}]${a.keepdims ? ", keepdims" : ""}`, inputs: [U([2, 3, 4])], attrs: a })),
      ...REDUCE_CASES_4D.map((a) => ({ name: `rank 4, axes [${a.axes}]${a.keepdims ? ", keepdims" : ""}`, inputs: [U([2, 3, 2, 3])], attrs: a })),
    ],
    ref: ([x], { axes, keepdims }) => reduceRef(x, axes, keepdims, 0, (s, v) => s + v),
    known: [
      { inputs: [f64t([2, 3], iota(6))], attrs: { axes: [0], keepdims: false }, expected: [5, 7, 9], shape: [3] },
      { inputs: [f64t([2, 3], iota(6))], attrs: { axes: [1], keepdims: true }, expected: [6, 15], shape: [2, 1] },
      { inputs: [f64t([2, 3], iota(6))], attrs: { axes: [0, 1], keepdims: false }, expected: [21], shape: [] },
    ],
  }),
  row("max", {
    order: 2,
    cases: [
      ...REDUCE_CASES.map((a) => ({ name: `axes [${a.axes}]${a.keepdims ? ", keepdims" : ""}`, inputs: [Distinct([2, 3, 4])], attrs: a })),
      ...REDUCE_CASES_4D.map((a) => ({ name: `rank 4, axes [${a.axes}]${a.keepdims ? ", keepdims" : ""}`, inputs: [Distinct([2, 3, 2, 3])], attrs: a })),
    ],
    ref: ([x], { axes, keepdims }) => reduceRef(x, axes, keepdims, -Infinity, (s, v) => (v > s ? v : s)),
    known: [
      { inputs: [f64t([2, 3], [1, 6, 3, 4, 5, 2])], attrs: { axes: [0], keepdims: false }, expected: [4, 6, 3], shape: [3] },
      { inputs: [f64t([2, 3], [1, 6, 3, 4, 5, 2])], attrs: { axes: [1], keepdims: true }, expected: [6, 5], shape: [2, 1] },
    ],
  }),

  // linear algebra and convolution
  row("matmul", {
    order: 2,
    cases: (
      [
        [[3, 4], [4, 5]],
        [[1, 4], [4, 1]],
        [[2, 3, 4], [2, 4, 5]],
        [[2, 1, 3, 4], [3, 4, 2]],
        [[3, 4], [2, 4, 5]],
      ] as [number[], number[]][]
    ).map(([sa, sb]) => ({ name: `[${sa}]@[${sb}]`, inputs: [U(sa), U(sb)], attrs: {} })),
    ref: matmulRef,
    known: [{ inputs: [f64t([2, 2], [1, 2, 3, 4]), f64t([2, 2], [5, 6, 7, 8])], attrs: {}, expected: [19, 22, 43, 50], shape: [2, 2] }],
  }),
  row("conv2d", {
    order: 2,
    cases: [
      { name: "3×3", inputs: [U([1, 2, 5, 5]), U([3, 2, 3, 3])], attrs: conv(1, 0, 1, 1) },
      { name: "stride 2, padding 1", inputs: [U([2, 2, 6, 7]), U([3, 2, 3, 3])], attrs: conv(2, 1, 1, 1) },
      { name: "dilation 2, padding 1", inputs: [U([1, 2, 7, 6]), U([2, 2, 3, 3])], attrs: conv(1, 1, 2, 1) },
      { name: "groups 2, stride 2, padding 1", inputs: [U([1, 4, 5, 5]), U([6, 2, 3, 3])], attrs: conv(2, 1, 1, 2) },
      { name: "stride 2, padding 1, dilation 2, groups 2, 3×2 kernel", inputs: [U([1, 4, 8, 7]), U([4, 2, 3, 2])], attrs: conv(2, 1, 2, 2) },
      { name: "stride [2,1], padding [0,2]", inputs: [U([1, 1, 5, 4]), U([2, 1, 2, 3])], attrs: conv([2, 1], [0, 2], 1, 1) },
      // stride 1: dX is a conv with the flipped kernel when padding ≤ d·(k−1), else a ConvTranspose
      { name: "1×1, stride 1 (dX as a conv)", inputs: [U([2, 3, 3, 4]), U([2, 3, 1, 1])], attrs: conv(1, 0, 1, 1) },
      { name: "1×1, padding 1 (dX as a ConvTranspose)", inputs: [U([1, 2, 3, 3]), U([2, 2, 1, 1])], attrs: conv(1, 1, 1, 1) },
      // ≥ 16 input channels at stride 1: the weight gradient takes the per-image batched GEMM form
      { name: "16 channels, 3×3, padding 1 (per-image dW)", inputs: [U([2, 16, 4, 5]), U([3, 16, 3, 3])], attrs: conv(1, 1, 1, 1) },
      { name: "16 channels, 2×3 kernel, dilation 2, padding [1,2] (per-image dW)", inputs: [U([1, 16, 5, 6]), U([2, 16, 2, 3])], attrs: conv(1, [1, 2], 2, 1) },
      { name: "16 channels, 1×1 (per-image dW, no slice)", inputs: [U([3, 16, 2, 3]), U([2, 16, 1, 1])], attrs: conv(1, 0, 1, 1) },
    ],
    ref: ([x, w], a) => convRef(x, w, { stride: a.stride, pads: [a.padding[0], a.padding[0], a.padding[1], a.padding[1]], dilation: a.dilation, groups: a.groups }),
    known: [
      // x[i,j] = 4i+j+1, w = [[1,2],[3,4]]: y[i,j] = 40i + 10j + 44
      { inputs: [f64t([1, 1, 4, 4], iota(16)), f64t([1, 1, 2, 2], [1, 2, 3, 4])], attrs: conv(1, 0, 1, 1), expected: [44, 54, 64, 84, 94, 104, 124, 134, 144], shape: [1, 1, 3, 3] },
      { inputs: [f64t([1, 1, 4, 4], iota(16)), f64t([1, 1, 2, 2], [1, 2, 3, 4])], attrs: conv(2, 0, 1, 1), expected: [44, 64, 124, 144], shape: [1, 1, 2, 2] },
      // padding 1 with a 1×1 kernel of 2: a zero border around 2x
      { inputs: [f64t([1, 1, 2, 2], [1, 2, 3, 4]), f64t([1, 1, 1, 1], [2])], attrs: conv(1, 1, 1, 1), expected: [0, 0, 0, 0, 0, 2, 4, 0, 0, 6, 8, 0, 0, 0, 0, 0], shape: [1, 1, 4, 4] },
      // dilation 2: taps x[i,j] and x[i+2,j+2] → 1 + 11 + 2·(4i+j)
      { inputs: [f64t([1, 1, 4, 4], iota(16)), f64t([1, 1, 2, 2], [1, 0, 0, 1])], attrs: conv(1, 0, 2, 1), expected: [12, 14, 20, 22], shape: [1, 1, 2, 2] },
    ],
  }),
  row("convTranspose2d", {
    order: 2,
    cases: [
      { name: "3×3, stride 1", inputs: [U([1, 2, 4, 4]), U([2, 3, 3, 3])], attrs: convT(1, 0, 1, 1, 0) },
      { name: "stride 2, padding 1, output padding 1", inputs: [U([2, 2, 3, 4]), U([2, 2, 3, 3])], attrs: convT(2, 1, 1, 1, 1) },
      { name: "groups 2", inputs: [U([1, 4, 3, 3]), U([4, 2, 3, 3])], attrs: convT(1, 0, 1, 2, 0) },
      { name: "dilation 2, padding 1", inputs: [U([1, 2, 3, 3]), U([2, 2, 3, 3])], attrs: convT(1, 1, 2, 1, 0) },
      { name: "stride 2, padding 1, output padding 1, dilation 2, groups 2", inputs: [U([1, 4, 3, 4]), U([4, 1, 3, 2])], attrs: convT(2, 1, 2, 2, 1) },
      // output padding ≥ stride (allowed below the dilation, as in PyTorch): ONNX Runtime refuses
      // that in ConvTranspose, so the lowering trims less instead (padding ≥ output padding) or
      // zero-pads the result (padding < output padding)
      { name: "stride 1, dilation 2, output padding 1", inputs: [U([1, 1, 3, 3]), U([1, 2, 2, 2])], attrs: convT(1, 0, 2, 1, 1) },
      { name: "stride 1, padding 1, dilation 2, output padding 1", inputs: [U([1, 2, 3, 4]), U([2, 1, 3, 3])], attrs: convT(1, 1, 2, 1, 1) },
    ],
    ref: ([x, w], a) => convTransposeRef(x, w, a),
    known: [
      // stride 2 with a 2×2 kernel of ones: each input pixel fills its own 2×2 block
      { inputs: [f64t([1, 1, 2, 2], [1, 2, 3, 4]), f64t([1, 1, 2, 2], [1, 1, 1, 1])], attrs: convT(2, 0, 1, 1, 0), expected: [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4], shape: [1, 1, 4, 4] },
      // stride 1: overlapping blocks add up
      { inputs: [f64t([1, 1, 2, 2], [1, 2, 3, 4]), f64t([1, 1, 2, 2], [1, 1, 1, 1])], attrs: convT(1, 0, 1, 1, 0), expected: [1, 3, 2, 4, 10, 6, 3, 7, 4], shape: [1, 1, 3, 3] },
      // padding 1 crops the border of the stride-1 result
      { inputs: [f64t([1, 1, 2, 2], [1, 2, 3, 4]), f64t([1, 1, 3, 3], new Array(9).fill(1))], attrs: convT(1, 1, 1, 1, 0), expected: [10, 10, 10, 10], shape: [1, 1, 2, 2] },
    ],
  }),
  row("maxPool2d", {
    order: 2,
    cases: POOL_CASES.map((c) => ({ name: c.name, inputs: [Distinct(c.shape)], attrs: c.attrs })),
    ref: ([x], a) => poolRef(x, a, "max"),
    known: [
      { inputs: [f64t([1, 1, 4, 4], POOL_IMAGE)], attrs: pool(2, 2, 0), expected: [9, 8, 7, 12], shape: [1, 1, 2, 2] },
      { inputs: [f64t([1, 1, 4, 4], POOL_IMAGE)], attrs: pool(3, 2, 1), expected: [9, 9, 9, 12], shape: [1, 1, 2, 2] },
    ],
  }),
  row("avgPool2d", {
    order: 2,
    cases: POOL_CASES.map((c) => ({ name: c.name, inputs: [U(c.shape)], attrs: c.attrs })),
    ref: ([x], a) => poolRef(x, a, "avg"),
    known: [
      { inputs: [f64t([1, 1, 4, 4], POOL_IMAGE)], attrs: pool(2, 2, 0), expected: [4.5, 3.5, 4, 9], shape: [1, 1, 2, 2] },
      // padded zeros count in the average (count_include_pad)
      { inputs: [f64t([1, 1, 4, 4], POOL_IMAGE)], attrs: pool(3, 2, 1), expected: [2, 28 / 9, 28 / 9, 64 / 9], shape: [1, 1, 2, 2] },
    ],
  }),

  // layout
  row("reshape", {
    order: 2,
    cases: [
      { name: "[2,3,4]→[6,4]", inputs: [U([2, 3, 4])], attrs: { shape: [6, 4] } },
      { name: "[2,3,4]→[4,3,2]", inputs: [U([2, 3, 4])], attrs: { shape: [4, 3, 2] } },
      { name: "[6]→[1,6,1]", inputs: [U([6])], attrs: { shape: [1, 6, 1] } },
      { name: "scalar→[1,1]", inputs: [U([])], attrs: { shape: [1, 1] } },
    ],
    ref: ([x], { shape }) => ({ shape: [...shape], data: x.data }),
    known: [{ inputs: [f64t([2, 2], [1, 2, 3, 4])], attrs: { shape: [4] }, expected: [1, 2, 3, 4], shape: [4] }],
  }),
  row("transpose", {
    order: 2,
    cases: [
      { name: "rank 4 [2,0,3,1]", inputs: [U([2, 3, 4, 5])], attrs: { perm: [2, 0, 3, 1] } },
      { name: "rank 2", inputs: [U([3, 4])], attrs: { perm: [1, 0] } },
      { name: "rank 3 [0,2,1]", inputs: [U([2, 3, 4])], attrs: { perm: [0, 2, 1] } },
    ],
    ref: ([x], { perm }) =>
      build(
        perm.map((p) => x.shape[p]),
        (oi) => {
          const xi = new Array<number>(perm.length);
          perm.forEach((p, k) => (xi[p] = oi[k]));
          return at(x, xi);
        },
      ),
    known: [{ inputs: [f64t([2, 3], iota(6))], attrs: { perm: [1, 0] }, expected: [1, 4, 2, 5, 3, 6], shape: [3, 2] }],
  }),
  row("expand", {
    order: 2,
    cases: [
      { name: "[3,1]→[3,4]", inputs: [U([3, 1])], attrs: { shape: [3, 4] } },
      { name: "[1,4,1]→[2,4,3]", inputs: [U([1, 4, 1])], attrs: { shape: [2, 4, 3] } },
      { name: "[1,1]→[2,3]", inputs: [U([1, 1])], attrs: { shape: [2, 3] } },
    ],
    ref: ([x], { shape }) => build([...shape], (i) => bAt(x, i)),
    known: [{ inputs: [f64t([2, 1], [1, 2])], attrs: { shape: [2, 3] }, expected: [1, 1, 1, 2, 2, 2], shape: [2, 3] }],
  }),
  row("concat", {
    order: 2,
    cases: [
      { name: "three tensors on a middle axis", inputs: [U([2, 1, 3]), U([2, 3, 3]), U([2, 2, 3])], attrs: { axis: 1 } },
      { name: "two tensors on axis 0", inputs: [U([1, 4]), U([3, 4])], attrs: { axis: 0 } },
      { name: "last axis", inputs: [U([2, 2]), U([2, 3])], attrs: { axis: 1 } },
    ],
    ref: (xs, { axis }) => {
      const shape = [...xs[0].shape];
      shape[axis] = xs.reduce((s, x) => s + x.shape[axis], 0);
      return build(shape, (i) => {
        let k = i[axis];
        for (const x of xs) {
          if (k < x.shape[axis]) return at(x, i.map((v, d) => (d === axis ? k : v)));
          k -= x.shape[axis];
        }
        throw new Error("unreachable");
      });
    },
    known: [{ inputs: [f64t([2, 1], [1, 2]), f64t([2, 2], [3, 4, 5, 6]), f64t([2, 1], [7, 8])], attrs: { axis: 1 }, expected: [1, 3, 4, 7, 2, 5, 6, 8], shape: [2, 4] }],
  }),
  row("slice", {
    order: 2,
    cases: [
      { name: "steps 2 and 3", inputs: [U([5, 7, 6])], attrs: { starts: [1, 0, 2], ends: [5, 7, 6], steps: [2, 3, 1] } },
      { name: "1-D [1:8:3]", inputs: [U([8])], attrs: { starts: [1], ends: [8], steps: [3] } },
      { name: "partial ranges", inputs: [U([4, 5])], attrs: { starts: [1, 1], ends: [3, 4], steps: [1, 1] } },
      { name: "step 2 on both axes, ragged end", inputs: [U([5, 6])], attrs: { starts: [0, 1], ends: [5, 6], steps: [2, 2] } },
    ],
    ref: ([x], { starts, ends, steps }) =>
      build(
        x.shape.map((_, i) => Math.ceil((ends[i] - starts[i]) / steps[i])),
        (oi) => at(x, oi.map((v, d) => starts[d] + v * steps[d])),
      ),
    known: [{ inputs: [f64t([10], iota(10, 0))], attrs: { starts: [1], ends: [9], steps: [3] }, expected: [1, 4, 7], shape: [3] }],
  }),
  row("pad", {
    order: 2,
    cases: [
      { name: "2-D", inputs: [U([2, 3])], attrs: { pads: [[1, 2], [0, 1]], value: 0 } },
      { name: "NCHW spatial, value −1.5", inputs: [U([1, 2, 3, 3])], attrs: { pads: [[0, 0], [0, 0], [1, 1], [2, 0]], value: -1.5 } },
      { name: "1-D before only", inputs: [U([3])], attrs: { pads: [[2, 0]], value: 0.5 } },
    ],
    ref: ([x], { pads, value }) =>
      build(
        x.shape.map((d, i) => d + pads[i][0] + pads[i][1]),
        (oi) => {
          const xi = oi.map((v, d) => v - pads[d][0]);
          return xi.every((v, d) => v >= 0 && v < x.shape[d]) ? at(x, xi) : value;
        },
      ),
    known: [{ inputs: [f64t([2], [1, 2])], attrs: { pads: [[1, 2]], value: 9 }, expected: [9, 1, 2, 9, 9], shape: [5] }],
  }),
  row("gather", {
    order: 2,
    cases: [
      { name: "repeated indices", inputs: [U([5, 3]), Int([2, 3], [0, 2, 2, 4, 0, 2])], attrs: {} },
      { name: "1-D table", inputs: [U([6]), Int([4], [3, 3, 0, 3])], attrs: {} },
      { name: "negative index, rank-3 table", inputs: [U([4, 2, 3]), Int([3], [1, -1, 1])], attrs: {} },
      { name: "scalar index", inputs: [U([4, 2]), Int([], [2])], attrs: {} },
    ],
    ref: ([t, idx]) =>
      build([...idx.shape, ...t.shape.slice(1)], (oi) => {
        const k = idx.shape.length;
        const r = at(idx, oi.slice(0, k));
        return at(t, [r < 0 ? r + t.shape[0] : r, ...oi.slice(k)]);
      }),
    known: [{ inputs: [f64t([3, 2], [10, 11, 20, 21, 30, 31]), new Tensor([3], "int32", Int32Array.from([2, 0, 2]))], attrs: {}, expected: [30, 31, 10, 11, 30, 31], shape: [3, 2] }],
  }),
];

// ── running the table ───────────────────────────────────────────────────────
const attrsOf = <P extends Prim>(c: Case<P>, dt: FloatDT): PrimAttrs[P] => (typeof c.attrs === "function" ? (c.attrs as (dt: FloatDT) => PrimAttrs[P])(dt) : c.attrs);

function inputsOf(r: Row<Prim>, k: number, dt: FloatDT): Tensor[] {
  const rng = new Rng(hashString(`${r.prim}#${k}`));
  return r.cases[k].inputs.map((g) => g(rng, dt));
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, atol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: ${actual.length} values, expected ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i], e = expected[i];
    if (Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e))) continue;
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      assert.fail(`${what}: element ${i} is ${a}, expected ${e} (|diff| ${Math.abs(a - e).toExponential(2)})`);
    }
  }
}
const sameShape = (t: { shape: readonly number[] }, shape: readonly number[], what: string) => assert.deepEqual([...t.shape], [...shape], `${what}: shape`);

describe("primitive table", () => {
  it("has exactly one row per primitive in the registry", () => {
    const names = Object.keys(primitives()).sort();
    const rows = ROWS.map((r) => r.prim).sort();
    assert.deepEqual(rows, [...new Set(rows)], "a primitive has two rows");
    const missing = names.filter((n) => !rows.includes(n as Prim));
    assert.deepEqual(missing, [], `primitives without a test row: ${missing.join(", ")}`);
    assert.deepEqual(rows, names);
  });

  it("every differentiable row checks second order, every other row is in the non-differentiable tests", () => {
    for (const r of ROWS) {
      if (r.order === 0) assert.ok(NON_DIFFERENTIABLE.some((n) => n.prim === r.prim), `${r.prim} has order 0 but no non-differentiable test`);
      else assert.equal(r.order, 2, `${r.prim}`);
    }
    for (const p of ["matmul", "add", "mul", "sub", "div", "tanh", "sigmoid", "softplus", "relu", "leakyRelu", "exp", "log", "sum", "conv2d", "reshape", "transpose"] as Prim[]) {
      assert.equal(ROWS.find((r) => r.prim === p)?.order, 2, `${p} must have a second-order check`);
    }
  });
});

describe("forward: eval against independent references", () => {
  for (const r of ROWS) {
    it(r.prim, () => {
      const fn = r.ref as (ins: Arr[], attrs: unknown) => Arr;
      r.cases.forEach((c, k) => {
        for (const dt of ["float64", "float32"] as const) {
          const ins = inputsOf(r, k, dt);
          const attrs = attrsOf(c, dt);
          const y = apply(r.prim, ins, attrs as never);
          const want = fn(ins.map(toArr), attrs);
          const what = `${r.prim} ${c.name} (${dt})`;
          sameShape(y, want.shape, what);
          // float32 results are the float64 computation on float32 inputs, rounded once
          const tol = y.dtype === "float32" ? 1e-6 : 1e-12;
          assertClose(y.values(), y.dtype === "float32" ? Array.from(want.data, Math.fround) : want.data, tol, tol, what);
        }
      });
    });
  }
});

describe("forward: hand-computed values", () => {
  for (const r of ROWS) {
    if (!r.known) continue;
    it(r.prim, () => {
      for (const [k, kn] of r.known!.entries()) {
        const y = apply(r.prim, kn.inputs, kn.attrs as never);
        sameShape(y, kn.shape, `${r.prim} known #${k}`);
        assertClose(y.values(), kn.expected, 1e-14, 1e-14, `${r.prim} known #${k}`);
        // the references agree with the hand computations too
        const ref = (r.ref as (ins: Arr[], attrs: unknown) => Arr)(kn.inputs.map(toArr), kn.attrs);
        assertClose(ref.data, kn.expected, 1e-12, 1e-12, `${r.prim} known #${k} (reference)`);
      }
    });
  }
  it("every primitive has hand-computed values", () => {
    assert.deepEqual(ROWS.filter((r) => !r.known?.length).map((r) => r.prim), []);
  });
});

/** Compile one function that applies the row's primitive to every case's inputs at once. */
async function runOnnx(r: Row<Prim>, dt: FloatDT): Promise<{ eager: Tensor[]; onnx: Tensor[] }> {
  const all = r.cases.map((_, k) => inputsOf(r, k, dt));
  const f = compile((xs: Tensor[][]) => xs.map((ins, k) => apply(r.prim, ins, attrsOf(r.cases[k], dt) as never)), { name: `${r.prim}_${dt}` });
  try {
    const onnx = await f(all);
    const eager = all.map((ins, k) => apply(r.prim, ins, attrsOf(r.cases[k], dt) as never));
    return { eager, onnx };
  } finally {
    await f.dispose();
  }
}

function compareOnnx(r: Row<Prim>, dt: FloatDT, eager: Tensor[], onnx: Tensor[], tol: number): void {
  eager.forEach((e, k) => {
    const what = `${r.prim} ${r.cases[k].name} (${dt}, ONNX Runtime vs eval)`;
    const o = onnx[k];
    sameShape(o, e.shape, what);
    assert.equal(o.dtype, e.dtype, `${what}: dtype`);
    assertClose(o.values(), e.values(), tol, tol, what);
  });
}

describe("forward: ONNX Runtime (onnxruntime-node) agrees with eval, float32", () => {
  for (const r of ROWS) {
    it(r.prim, async () => {
      const { eager, onnx } = await runOnnx(r, "float32");
      compareOnnx(r, "float32", eager, onnx, 1e-5);
    });
  }
});

describe("forward: ONNX Runtime agrees with eval, float64", () => {
  for (const r of ROWS) {
    if (NO_FLOAT64_KERNEL.has(r.prim)) {
      it(`${r.prim}: ONNX Runtime still has no float64 kernel (else move it out of NO_FLOAT64_KERNEL)`, async () => {
        await assert.rejects(runOnnx(r, "float64"), /Could not find an implementation/);
      });
      continue;
    }
    it(r.prim, async () => {
      const { eager, onnx } = await runOnnx(r, "float64");
      compareOnnx(r, "float64", eager, onnx, 1e-10);
    });
  }
});

/** ∇ of ⟨c, prim(ins)⟩ with respect to the float inputs (traceable: works on symbolic tensors too). */
function vjpOf(r: Row<Prim>, ins: Tensor[], attrs: unknown, c: Tensor): Tensor[] {
  const wrt = ins.flatMap((t, i) => (t.dtype === "float32" || t.dtype === "float64" ? [i] : []));
  const L = (ps: Tensor[]) => {
    const a = [...ins];
    wrt.forEach((i, k) => (a[i] = ps[k]));
    return ops.sum(ops.mul(ops.cast(apply(r.prim, a, attrs as never), c.dtype), c));
  };
  return valueAndGrad(L)(wrt.map((i) => ins[i])).grad as Tensor[];
}

describe("backward: the VJP graphs lowered to ONNX agree with eager, float32", () => {
  for (const r of ROWS) {
    if (r.order === 0) continue;
    it(r.prim, async () => {
      const ks = r.cases.flatMap((c, k) => (c.grad === false ? [] : [k]));
      const all = ks.map((k) => inputsOf(r, k, "float32"));
      const cts = ks.map((k, j) => {
        const y = apply(r.prim, all[j], attrsOf(r.cases[k], "float32") as never);
        return make("float32", [...y.shape], new Rng(hashString(`ct/${r.prim}/${k}`)).fillNormal(new Float64Array(y.size)));
      });
      const grads = (xs: Tensor[][], cs: Tensor[]) => xs.map((ins, j) => vjpOf(r, ins, attrsOf(r.cases[ks[j]], "float32"), cs[j]));
      const f = compile(grads, { name: `${r.prim}_vjp` });
      try {
        const onnx = await f(all, cts);
        const eager = grads(all, cts);
        eager.forEach((gs, j) =>
          gs.forEach((g, i) => {
            const what = `${r.prim} ${r.cases[ks[j]].name}: cotangent of input ${i} (ONNX Runtime vs eager)`;
            sameShape(onnx[j][i], g.shape, what);
            assertClose(onnx[j][i].values(), g.values(), 1e-5, 1e-5, what);
          }),
        );
      } finally {
        await f.dispose();
      }
    });
  }
});

describe("gradients: checkGrads in float64 eager mode", () => {
  for (const r of ROWS) {
    if (r.order === 0) continue;
    it(`${r.prim} (order ${r.order})`, (t) => {
      let checked = 0;
      const worst = { directional: 0, dotProduct: 0, secondOrder: 0 };
      r.cases.forEach((c, k) => {
        if (c.grad === false) return;
        const ins = inputsOf(r, k, "float64");
        const attrs = attrsOf(c, "float64");
        const f = (...xs: Tensor[]) => {
          const y = apply(r.prim, xs, attrs as never);
          return y.dtype === "float64" ? y : ops.cast(y, "float64");
        };
        const rep = checkGrads(f, ins, { order: r.order as 1 | 2, label: `${r.prim} ${c.name}`, seed: hashString(`${r.prim}/${k}`), ...r.gradOpts, ...c.gradOpts });
        worst.directional = Math.max(worst.directional, rep.directional);
        worst.dotProduct = Math.max(worst.dotProduct, rep.dotProduct);
        worst.secondOrder = Math.max(worst.secondOrder, rep.secondOrder ?? 0);
        checked++;
      });
      t.diagnostic(`${r.prim}: ${checked} cases, worst relative errors: directional ${worst.directional.toExponential(1)}, dot-product ${worst.dotProduct.toExponential(1)}, second order ${worst.secondOrder.toExponential(1)}`);
      assert.ok(checked > 0, `${r.prim}: no case was gradient-checked`);
    });
  }
});

// ── non-differentiable primitives ──────────────────────────────────────────
interface NonDiff {
  prim: Prim;
  inputs: Tensor[];
  attrs: object;
}
const nd = (shape: number[], seed: number) => new Tensor(shape, "float64", new Rng(seed).fillUniform(new Float64Array(size(shape)), -2, 2));
const NON_DIFFERENTIABLE: NonDiff[] = [
  { prim: "sign", inputs: [nd([2, 3], 1)], attrs: {} },
  { prim: "stopGradient", inputs: [nd([2, 3], 2)], attrs: {} },
  ...(["greater", "greaterEqual", "less", "lessEqual", "equal"] as const).map((prim, i) => ({ prim, inputs: [nd([2, 3], 10 + i), nd([3], 20 + i)], attrs: {} })),
  { prim: "cast", inputs: [nd([2, 3], 3)], attrs: { dtype: "int32" } },
  { prim: "cast", inputs: [nd([2, 3], 4)], attrs: { dtype: "bool" } },
];

describe("non-differentiable primitives", () => {
  for (const n of NON_DIFFERENTIABLE) {
    const label = `${n.prim}${n.prim === "cast" ? ` to ${(n.attrs as { dtype: string }).dtype}` : ""}`;
    it(`${label}: the VJP rule gives null/zero cotangents`, () => {
      const y = apply(n.prim, n.inputs, n.attrs as never);
      const g = new Tensor(y.shape, "float64", new Rng(5).fillNormal(new Float64Array(y.size)));
      const cts = primitives()[n.prim].vjp(g, n.inputs, y, n.attrs as never, n.inputs.map(() => true));
      assert.equal(cts.length, n.inputs.length);
      for (const ct of cts) if (ct !== null) assert.ok(ct.values().every((v) => v === 0), `${label}: nonzero cotangent`);
    });
    it(`${label}: autodiff through it gives zeros of the inputs' shapes`, () => {
      const c = new Tensor(n.inputs[0].shape, "float64", new Rng(6).fillNormal(new Float64Array(n.inputs[0].size)));
      const f = (xs: Tensor[]) => {
        const y = apply(n.prim, xs, n.attrs as never);
        return ops.sum(ops.mul(ops.cast(y, "float64"), c));
      };
      const { value, grad: gs } = valueAndGrad(f)(n.inputs);
      assert.ok(Number.isFinite(value.item()));
      (gs as Tensor[]).forEach((g, i) => {
        sameShape(g, n.inputs[i].shape, label);
        assert.equal(g.dtype, "float64");
        assert.ok(g.values().every((v) => v === 0), `${label}: nonzero gradient for input ${i}`);
      });
    });
  }

  it("stopGradient: x·stopGradient(x) differentiates to stopGradient(x), not 2x", () => {
    const x = nd([4], 7);
    const g = grad((t: Tensor) => ops.sum(ops.mul(t, ops.stopGradient(t))))(x) as Tensor;
    assertClose(g.values(), x.values(), 0, 0, "stopGradient");
  });

  it("where: no cotangent for the condition", () => {
    const c = new Tensor([3], "bool", Uint8Array.from([1, 0, 1]));
    const a = nd([3], 8), b = nd([3], 9);
    const y = apply("where", [c, a, b], {});
    const cts = primitives().where.vjp(nd([3], 10), [c, a, b], y, {}, [true, true, true]);
    assert.equal(cts[0], null);
  });

  it("cast between float dtypes passes the cotangent through in the input's dtype", () => {
    const x32 = ops.cast(nd([2, 3], 11), "float32");
    const c = nd([2, 3], 12);
    const g = grad((t: Tensor) => ops.sum(ops.mul(ops.cast(t, "float64"), c)))(x32) as Tensor;
    assert.equal(g.dtype, "float32");
    assertClose(g.values(), Array.from(c.values(), Math.fround), 0, 0, "cast");
    const x64 = nd([2, 3], 13);
    const c32 = ops.cast(nd([2, 3], 14), "float32");
    const g64 = grad((t: Tensor) => ops.cast(ops.sum(ops.mul(ops.cast(t, "float32"), c32)), "float64"))(x64) as Tensor;
    assert.equal(g64.dtype, "float64");
    assertClose(g64.values(), c32.values(), 0, 0, "cast");
  });
});

describe("gradient conventions at kinks and ties", () => {
  const d = (f: (t: Tensor) => Tensor, values: number[]) => (grad((t: Tensor) => ops.sum(f(t)))(f64t([values.length], values)) as Tensor).toArray();
  it("relu, leakyRelu and abs at 0", () => {
    assert.deepEqual(d(ops.relu, [0, 1, -1]), [0, 1, 0]);
    assert.deepEqual(d((t) => ops.leakyRelu(t, 0.1), [0, 1, -1]), [0.1, 1, 0.1]);
    assert.deepEqual(d((t) => ops.leakyRelu(t, 2), [0, 1, -1]), [2, 1, 2]);
    assert.deepEqual(d(ops.abs, [0, 2, -2]), [0, 1, -1]);
  });
  it("maximum/minimum split a tie's gradient in halves", () => {
    const a = f64t([3], [1, 2, 3]), b = f64t([3], [1, 5, 0]);
    for (const [op, ga, gb] of [[ops.maximum, [0.5, 0, 1], [0.5, 1, 0]], [ops.minimum, [0.5, 1, 0], [0.5, 0, 1]]] as const) {
      const [da, db] = vjp([op(a, b)], [f64t([3], [1, 1, 1])], [a, b]);
      assert.deepEqual(da!.toArray(), ga);
      assert.deepEqual(db!.toArray(), gb);
    }
  });
  it("max shares the gradient equally among tied maxima", () => {
    const x = f64t([2, 3], [1, 4, 4, 2, 2, 2]);
    const g = grad((t: Tensor) => ops.sum(ops.max(t, 1)))(x) as Tensor;
    assertClose(g.values(), [0, 0.5, 0.5, 1 / 3, 1 / 3, 1 / 3], 1e-15, 0, "max ties");
  });
  it("maxPool2d gives a tied window's gradient to its first maximum", () => {
    const x = f64t([1, 1, 2, 2], [3, 3, 3, 3]);
    const g = grad((t: Tensor) => ops.sum(ops.maxPool2d(t, 2)))(x) as Tensor;
    assert.deepEqual(g.toArray(), [1, 0, 0, 0]);
  });
});

// ── composites (no rules of their own) ─────────────────────────────────────
describe("composite ops: gradients through primitives (order 2)", () => {
  const x = (shape: number[], seed: number, lo = -2, hi = 2) => new Tensor(shape, "float64", new Rng(seed).fillUniform(new Float64Array(size(shape)), lo, hi));
  const cases: [string, (...xs: Tensor[]) => Tensor, Tensor[]][] = [
    ["mean over all axes", (t) => ops.mean(t), [x([2, 3, 4], 1)]],
    ["mean over axes [0,2], keepdims", (t) => ops.mean(t, [0, 2], true), [x([2, 3, 4], 2)]],
    ["variance", (t) => ops.variance(t, 1), [x([3, 5], 3)]],
    ["logsumexp", (t) => ops.logsumexp(t, 1), [x([3, 4], 4, -5, 5)]],
    ["logSoftmax", (t) => ops.logSoftmax(t, -1), [x([3, 4], 5, -5, 5)]],
    ["softmax", (t) => ops.softmax(t, 0), [x([3, 4], 6)]],
    ["logSigmoid", (t) => ops.logSigmoid(t), [x([5], 7, -4, 4)]],
    ["min over an axis", (t) => ops.min(t, 0), [Distinct([4, 3])(new Rng(8), "float64") as Tensor]],
    ["take along axis 1", (t) => ops.take(t, new Tensor([2, 2], "int32", Int32Array.from([2, 0, 2, 1])), 1), [x([3, 4, 2], 9)]],
    ["stack + split", (a, b) => ops.concat(ops.split(ops.stack([a, b], 1), [1, 1], 1).reverse(), 2), [x([2, 3], 10), x([2, 3], 11)]],
    ["linear", (a, w, b) => ops.linear(a, w, b), [x([4, 3], 12), x([5, 3], 13), x([5], 14)]],
  ];
  for (const [name, f, args] of cases) {
    it(name, () => {
      checkGrads(f, args, { order: 2, label: name });
    });
  }
});

// ── the checker itself ─────────────────────────────────────────────────────
describe("checkGrads catches wrong rules", () => {
  const withRule = <P extends Prim>(prim: P, vjpRule: PrimRule<P>["vjp"], body: () => void) => {
    const table = primitives();
    const saved = table[prim].vjp;
    table[prim].vjp = vjpRule;
    try {
      body();
    } finally {
      table[prim].vjp = saved;
    }
  };
  const x = new Tensor([2, 3], "float64", new Rng(3).fillUniform(new Float64Array(6), -2, 2));

  it("a wrong first-order rule fails the directional check", () => {
    withRule("tanh", (g, _x, y) => [ops.mul(g, ops.sub(1, y))], () => {
      assert.throws(() => checkGrads(ops.tanh, [x]), /first order/);
    });
  });
  it("a rule that is right to first order but not differentiable fails the second-order check", () => {
    // the value of the gradient is right, but y is detached, so the second derivative is lost
    withRule("tanh", (g, _x, y) => [ops.mul(g, ops.sub(1, ops.square(ops.stopGradient(y))))], () => {
      checkGrads(ops.tanh, [x]);
      assert.throws(() => checkGrads(ops.tanh, [x], { order: 2 }), /second order/);
    });
  });
  it("a broadcasting bug (the cotangent not summed over a broadcast axis) is caught", () => {
    const b = new Tensor([3], "float64", Float64Array.from([1, 2, 3]));
        // (only the broadcast operand gets the buggy cotangent; L's own same-shape mul stays right)
    const buggy: PrimRule<"mul">["vjp"] = (g, [a, bb]) => [
      ops.sumTo(ops.mul(g, bb), a.shape),
      bb.rank === g.rank ? ops.sumTo(ops.mul(g, a), bb.shape) : ops.reshape(ops.sliceAxis(ops.mul(g, a), 0, 0, 1), bb.shape),
    ];
    withRule("mul", buggy, () => {
      assert.throws(() => checkGrads(ops.mul, [x, b]), /first order/);
    });
  });
});
