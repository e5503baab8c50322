// Reductions over axes: sum and max (mean, logsumexp, min are composites in ops.ts).
import { allocate, sizeOf } from "../dtype.js";
import { ShapeError, fmtShape } from "../errors.js";
import type { PrimAttrs, PrimRule, PrimTable, ValueType } from "../primitive.js";
import type { Tensor } from "../tensor.js";
import type { OnnxBuilder } from "../onnx-builder.js";
import * as ops from "../ops.js";
import { forEachBroadcast } from "./ref.js";

type Attrs = PrimAttrs["sum"];

const keptShape = (shape: readonly number[], axes: number[]) => shape.map((d, i) => (axes.includes(i) ? 1 : d));

function reduceShape(name: string) {
  return ([x]: ValueType[], { axes, keepdims }: Attrs): ValueType => {
    if (x.dtype === "bool") throw new ShapeError(name, "cannot reduce a bool tensor; cast it to a number type first");
    for (const a of axes) if (a < 0 || a >= x.shape.length) throw new ShapeError(name, `axis ${a} out of range for ${fmtShape(x.shape)}`);
    const shape = keepdims ? keptShape(x.shape, axes) : x.shape.filter((_, i) => !axes.includes(i));
    return { shape, dtype: x.dtype };
  };
}

function reduceEval(init: number, combine: (acc: number, v: number) => number): PrimRule<"sum">["eval"] {
  return ([x], { axes }, out) => {
    const res = allocate(out.dtype, sizeOf(out.shape)).fill(init);
    const kept = keptShape(x.shape, axes);
    forEachBroadcast(x.shape, [kept], (i, offs) => {
      res[offs[0]] = combine(res[offs[0]], x.data[i]);
    });
    return res;
  };
}

function lower(onnxOp: string, axesAsInput: boolean) {
  const reduce = (b: OnnxBuilder, x: string, axes: number[], keepdims: boolean): string => {
    const k = keepdims ? 1 : 0;
    return axesAsInput ? b.op1(onnxOp, [x, b.int64(axes)], { keepdims: k }, ["keepdims"]) : b.op1(onnxOp, [x], { axes, keepdims: k }, ["axes", "keepdims"]);
  };
  return (b: OnnxBuilder, [x]: string[], { axes, keepdims }: Attrs, t: { inputs: ValueType[]; out: ValueType }): string => {
    if (axes.length === 0) return b.op1("Identity", [x]);
    const shape = t.inputs[0].shape;
    const rank = shape.length;
    const sorted = [...axes].sort((p, q) => p - q);
    let trailing = 0; // how many of the reduced axes are the last ones
    while (trailing < sorted.length && sorted[sorted.length - 1 - trailing] === rank - 1 - trailing) trailing++;
    // (empty tensors keep the single reduce: a 0 in a Reshape's shape means "copy this dimension")
    if (trailing === 0 || trailing === sorted.length || shape.includes(0)) return reduce(b, x, axes, keepdims);
    // Reduced axes both inside and at the end (a conv bias's gradient: N, H, W of NCHW): ONNX
    // Runtime's reduce over scattered axes is ~3× slower than reducing the contiguous trailing
    // block first (one merged axis) and the rest afterwards (bench/NOTES.md, session 7).
    const lead = shape.slice(0, rank - trailing);
    const merged = trailing > 1 ? b.op1("Reshape", [x, b.int64([...lead, shape.slice(lead.length).reduce((p, q) => p * q, 1)])]) : x;
    const inner = reduce(b, merged, [lead.length], false);
    return b.op1("Reshape", [reduce(b, inner, sorted.slice(0, sorted.length - trailing), false), b.int64(t.out.shape)]);
  };
}

/** g with the reduced axes restored as size-1 dimensions, broadcast back over x. */
function spread(g: Tensor, x: Tensor, axes: number[]): Tensor {
  return ops.broadcastTo(ops.reshape(g, keptShape(x.shape, axes)), x.shape);
}

export const reduceRules: Pick<PrimTable, "sum" | "max"> = {
  sum: {
    shape: reduceShape("sum"),
    eval: reduceEval(0, (a, v) => a + v),
    toOnnx: lower("ReduceSum", true),
    // d Σx = broadcast(dy)
    vjp: (g, [x], _y, { axes }) => [spread(g, x, axes)],
  },
  max: {
    shape: reduceShape("max"),
    eval: reduceEval(-Infinity, (a, v) => (Number.isNaN(a) || Number.isNaN(v) ? NaN : a > v ? a : v)),
    toOnnx: lower("ReduceMax", false),
    // the gradient is shared equally among the maximal elements (as PyTorch's amax)
    vjp: (g, [x], y, { axes }) => {
      const mask = ops.cast(ops.equal(x, spread(y, x, axes)), x.dtype);
      const count = ops.sum(mask, axes, true);
      return [ops.mul(spread(g, x, axes), ops.div(mask, count))];
    },
  },
};
