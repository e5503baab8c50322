// Elementwise primitives: unary maths, broadcasting binary arithmetic, comparisons, where, cast.
import { allocate, isFloat, ONNX_DTYPE, sizeOf, type DType } from "../dtype.js";
import { ShapeError, fmtShape } from "../errors.js";
import type { PrimRule, PrimTable, ValueType } from "../primitive.js";
import type { Tensor } from "../tensor.js";
import type { OnnxBuilder } from "../onnx-builder.js";
import * as ops from "../ops.js";
import { broadcastShapes, forEachBroadcast, mapBinary, mapUnary } from "./ref.js";

type UnaryName = "neg" | "exp" | "log" | "log1p" | "sqrt" | "abs" | "sign" | "tanh" | "sigmoid" | "relu" | "softplus";
type BinaryName = "add" | "sub" | "mul" | "div" | "pow" | "maximum" | "minimum";
type CompareName = "greater" | "greaterEqual" | "less" | "lessEqual" | "equal";

function unaryShape(name: string, allowInt: boolean) {
  return ([x]: ValueType[]): ValueType => {
    if (!allowInt && !isFloat(x.dtype)) throw new ShapeError(name, `expects a float tensor, got ${x.dtype}${fmtShape(x.shape)}`);
    return { shape: [...x.shape], dtype: x.dtype };
  };
}

/** Rule factory for y = f(x) with an ONNX lowering and a VJP g·f'(x) written in ops. */
function unary(
  name: UnaryName,
  f: (v: number) => number,
  lower: string | ((b: OnnxBuilder, x: string, t: ValueType) => string),
  vjp: (g: Tensor, x: Tensor, y: Tensor) => Tensor | null,
  allowInt = false,
): PrimRule<UnaryName> {
  return {
    shape: unaryShape(name, allowInt),
    eval: ([x], _a, out) => mapUnary(x.data, out.dtype, f),
    toOnnx: (b, [x], _a, t) => (typeof lower === "string" ? b.op1(lower, [x]) : lower(b, x, t.inputs[0])),
    vjp: (g, [x], y) => [vjp(g, x, y)],
  };
}

const sigmoidRef = (v: number) => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v)));
const softplusRef = (v: number) => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));

/** log1p(x) = x·log(u)/(u−1) with u = 1+x (exact where u rounds to 1): ONNX has no Log1p. */
function lowerLog1p(b: OnnxBuilder, x: string, t: ValueType): string {
  const one = b.scalar(1, t.dtype);
  const u = b.op1("Add", [x, one]);
  const um1 = b.op1("Sub", [u, one]);
  const isOne = b.op1("Equal", [um1, b.scalar(0, t.dtype)]);
  const safeDen = b.op1("Where", [isOne, one, um1]);
  const ratio = b.op1("Div", [b.op1("Log", [u]), safeDen]);
  return b.op1("Where", [isOne, x, b.op1("Mul", [x, ratio])]);
}

/**
 * max(x,0) + log1p(e^−|x|), with the exact log1p above. ONNX Runtime has no float64 Softplus
 * kernel, and its float32 one is a scalar loop: 3 ms on [128, 784] against ~0.5 ms for these
 * vectorized passes over a tensor that stays in cache (bench/NOTES.md), at the same accuracy.
 */
function lowerSoftplus(b: OnnxBuilder, x: string, t: ValueType): string {
  const e = b.op1("Exp", [b.op1("Neg", [b.op1("Abs", [x])])]);
  return b.op1("Add", [b.op1("Relu", [x]), lowerLog1p(b, e, t)]);
}

function binaryShape(name: string) {
  return ([a, b]: ValueType[]): ValueType => {
    if (a.dtype !== b.dtype) throw new ShapeError(name, `dtype mismatch: ${a.dtype}${fmtShape(a.shape)} and ${b.dtype}${fmtShape(b.shape)}; cast one of them first`);
    const shape = broadcastShapes(a.shape, b.shape);
    if (!shape) throw new ShapeError(name, `shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} do not broadcast`);
    return { shape, dtype: a.dtype };
  };
}

function binary(
  name: BinaryName,
  f: (x: number, y: number) => number,
  onnxOp: string,
  vjp: (g: Tensor, a: Tensor, b: Tensor, y: Tensor, needs: boolean[]) => [Tensor | null, Tensor | null],
): PrimRule<BinaryName> {
  return {
    shape: binaryShape(name),
    eval: ([a, b], _a, out) => mapBinary(a, b, out, f),
    toOnnx: (bld, ins) => bld.op1(onnxOp, ins),
    vjp: (g, [a, b], y, _attrs, needs) => {
      const [da, db] = vjp(g, a, b, y, needs);
      return [needs[0] && da ? ops.sumTo(da, a.shape) : null, needs[1] && db ? ops.sumTo(db, b.shape) : null];
    },
  };
}

function compare(name: CompareName, f: (x: number, y: number) => boolean, onnxOp: string): PrimRule<CompareName> {
  return {
    shape: (ins) => ({ shape: binaryShape(name)(ins).shape, dtype: "bool" }),
    eval: ([a, b], _a, out) => mapBinary(a, b, out, (x, y) => (f(x, y) ? 1 : 0)),
    toOnnx: (bld, ins) => bld.op1(onnxOp, ins),
    vjp: () => [null, null],
  };
}

/** Share of the gradient the first argument of max/min gets: 1 where it wins, ½ on ties. */
function winnerShare(a: Tensor, b: Tensor, wins: (x: Tensor, y: Tensor) => Tensor): Tensor {
  return ops.add(ops.cast(wins(a, b), a.dtype), ops.mul(ops.cast(ops.equal(a, b), a.dtype), 0.5));
}

export const elementwiseRules: Pick<PrimTable, UnaryName | "leakyRelu" | BinaryName | CompareName | "where" | "cast" | "stopGradient"> = {
  // d(−x) = −dx
  neg: unary("neg", (v) => -v, "Neg", (g) => ops.neg(g), true),
  // d eˣ = eˣ dx
  exp: unary("exp", Math.exp, "Exp", (g, _x, y) => ops.mul(g, y)),
  // d log x = dx / x
  log: unary("log", Math.log, "Log", (g, x) => ops.div(g, x)),
  // d log(1+x) = dx / (1+x)
  log1p: unary("log1p", Math.log1p, lowerLog1p, (g, x) => ops.div(g, ops.add(x, 1))),
  // d √x = dx / (2√x)
  sqrt: unary("sqrt", Math.sqrt, "Sqrt", (g, _x, y) => ops.div(g, ops.mul(y, 2))),
  // d|x| = sign(x) dx
  abs: unary("abs", Math.abs, "Abs", (g, x) => ops.mul(g, ops.sign(x)), true),
  sign: unary("sign", Math.sign, "Sign", () => null, true),
  // d tanh x = (1 − tanh²x) dx
  tanh: unary("tanh", Math.tanh, "Tanh", (g, _x, y) => ops.mul(g, ops.sub(1, ops.square(y)))),
  // d σ(x) = σ(x)(1 − σ(x)) dx
  sigmoid: unary("sigmoid", sigmoidRef, "Sigmoid", (g, _x, y) => ops.mul(g, ops.mul(y, ops.sub(1, y)))),
  // d relu(x) = [y > 0] dx, as a product: ONNX Runtime's Where is a one-thread loop at half Mul's speed,
  // and a mask read off y leaves x to the Relu alone, so ORT can fuse Conv/Gemm + Relu (bench/NOTES.md).
  // (A NaN or ∞ in dx where y = 0 now propagates instead of being masked to 0.)
  relu: unary("relu", (v) => (v > 0 ? v : 0), "Relu", (g, _x, y) => ops.mul(g, ops.cast(ops.greater(y, 0), g.dtype))),
  // d softplus(x) = σ(x) dx
  softplus: unary("softplus", softplusRef, lowerSoftplus, (g, x) => ops.mul(g, ops.sigmoid(x))),
  leakyRelu: {
    shape: unaryShape("leakyRelu", false),
    eval: ([x], { alpha }, out) => mapUnary(x.data, out.dtype, (v) => (v > 0 ? v : alpha * v)),
    // ONNX's alpha attribute is a float32: in float64 graphs, carry alpha as a double constant instead
    toOnnx: (b, [x], { alpha }, t) =>
      t.inputs[0].dtype === "float64"
        ? b.op1("Where", [b.op1("Greater", [x, b.scalar(0, "float64")]), x, b.op1("Mul", [x, b.scalar(alpha, "float64")])])
        : b.op1("LeakyRelu", [x], { alpha }),
    // for 0 < α < 1 the slope is max([y > 0], α), read off y as for relu (one-thread Where avoided);
    // otherwise [x > 0] picks g or α·g
    vjp: (g, [x], y, { alpha }) => [
      alpha > 0 && alpha < 1 ? ops.mul(g, ops.maximum(ops.cast(ops.greater(y, 0), g.dtype), alpha)) : ops.where(ops.greater(x, 0), g, ops.mul(g, alpha)),
    ],
  },

  add: binary("add", (x, y) => x + y, "Add", (g) => [g, g]),
  sub: binary("sub", (x, y) => x - y, "Sub", (g) => [g, ops.neg(g)]),
  mul: binary("mul", (x, y) => x * y, "Mul", (g, a, b, _y, n) => [n[0] ? ops.mul(g, b) : null, n[1] ? ops.mul(g, a) : null]),
  // d(a/b) = da/b − (a/b²) db
  div: binary("div", (x, y) => x / y, "Div", (g, _a, b, y, n) => [n[0] ? ops.div(g, b) : null, n[1] ? ops.neg(ops.div(ops.mul(g, y), b)) : null]),
  // d aᵇ = b·aᵇ⁻¹ da + aᵇ·log(a) db (the db term taken as 0 where a ≤ 0)
  pow: binary("pow", (x, y) => Math.pow(x, y), "Pow", (g, a, b, y, n) => [
    n[0] ? ops.mul(g, ops.mul(b, ops.pow(a, ops.sub(b, 1)))) : null,
    n[1] ? ops.where(ops.greater(a, 0), ops.mul(g, ops.mul(y, ops.log(ops.where(ops.greater(a, 0), a, 1)))), 0) : null,
  ]),
  maximum: binary("maximum", (x, y) => (Number.isNaN(x) || Number.isNaN(y) ? NaN : Math.max(x, y)), "Max", (g, a, b) => {
    const s = winnerShare(a, b, ops.greater);
    return [ops.mul(g, s), ops.mul(g, ops.sub(1, s))];
  }),
  minimum: binary("minimum", (x, y) => (Number.isNaN(x) || Number.isNaN(y) ? NaN : Math.min(x, y)), "Min", (g, a, b) => {
    const s = winnerShare(a, b, ops.less);
    return [ops.mul(g, s), ops.mul(g, ops.sub(1, s))];
  }),

  greater: compare("greater", (x, y) => x > y, "Greater"),
  greaterEqual: compare("greaterEqual", (x, y) => x >= y, "GreaterOrEqual"),
  less: compare("less", (x, y) => x < y, "Less"),
  lessEqual: compare("lessEqual", (x, y) => x <= y, "LessOrEqual"),
  equal: compare("equal", (x, y) => x === y, "Equal"),

  where: {
    shape: ([c, a, b]) => {
      if (c.dtype !== "bool") throw new ShapeError("where", `condition must be bool, got ${c.dtype}`);
      if (a.dtype !== b.dtype) throw new ShapeError("where", `branches differ in dtype: ${a.dtype} and ${b.dtype}`);
      const ab = broadcastShapes(a.shape, b.shape);
      const shape = ab && broadcastShapes(c.shape, ab);
      if (!shape) throw new ShapeError("where", `shapes ${fmtShape(c.shape)}, ${fmtShape(a.shape)}, ${fmtShape(b.shape)} do not broadcast`);
      return { shape, dtype: a.dtype };
    },
    eval: ([c, a, b], _a, out) => {
      const res = allocate(out.dtype, sizeOf(out.shape));
      forEachBroadcast(out.shape, [c.shape, a.shape, b.shape], (o, offs) => {
        res[o] = c.data[offs[0]] ? a.data[offs[1]] : b.data[offs[2]];
      });
      return res;
    },
    toOnnx: (b, ins) => b.op1("Where", ins),
    // the gradient flows to whichever branch was selected
    vjp: (g, [c, a, b], _y, _attrs, n) => [
      null,
      n[1] ? ops.sumTo(ops.where(c, g, 0), a.shape) : null,
      n[2] ? ops.sumTo(ops.where(c, 0, g), b.shape) : null,
    ],
  },

  cast: {
    shape: ([x], { dtype }) => ({ shape: [...x.shape], dtype }),
    eval: ([x], { dtype }, out) => {
      const res = allocate(dtype, x.data.length);
      const toInt = dtype === "int32";
      const toBool = dtype === "bool";
      for (let i = 0; i < res.length; i++) res[i] = toBool ? (x.data[i] !== 0 ? 1 : 0) : toInt ? Math.trunc(x.data[i]) : x.data[i];
      return res;
    },
    toOnnx: (b, [x], { dtype }) => b.op1("Cast", [x], { to: ONNX_DTYPE[dtype as DType] }, ["to"]),
    // float ↔ float passes the cotangent through; a cast to int32/bool is piecewise constant
    // (decided by the output dtype, not by whatever dtype a seeded cotangent has)
    vjp: (g, [x], _y, { dtype }) => [isFloat(x.dtype) && isFloat(dtype) ? ops.cast(g, x.dtype) : null],
  },

  stopGradient: {
    shape: ([x]) => ({ shape: [...x.shape], dtype: x.dtype }),
    eval: ([x]) => x.data.slice(),
    toOnnx: (b, [x]) => b.op1("Identity", [x]),
    vjp: () => [null],
  },
};
