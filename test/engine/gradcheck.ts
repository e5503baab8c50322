// The shared gradient checker (in the spirit of JAX's check_grads), run in float64 eager mode
// (concrete tensors, the typed-array interpreter; no ONNX):
//
//  (a) directional derivative: f is reduced to a scalar L = ⟨c, f(x)⟩ by a fixed random
//      cotangent c; the autodiff gradient's ⟨∇L, v⟩ along random directions v must match the
//      central finite difference (L(x+εv) − L(x−εv)) / 2ε — this checks the VJP rules;
//  (b) the VJP dot-product identity ⟨u, J v⟩ = ⟨Jᵀu, v⟩ for several random cotangents u, with
//      the JVP J v taken by central differences of the whole output and Jᵀu from `vjp`;
//  (c) order 2: check (a) applied to h(x) = ⟨∇L(x), w⟩ (w random), which differentiates the
//      gradient computation itself and so checks that the VJP rules are differentiable and right.
//
// Tolerances are relative to the larger of the two numbers compared, plus a small absolute
// floor scaled by the magnitude of the terms summed into L (the finite differences' rounding).
import { Rng, Tensor, valueAndGrad, vjp } from "../../src/engine/index.js";
import * as ops from "../../src/engine/ops.js";

export interface CheckGradsOptions {
  /** 1: checks (a) and (b); 2: also (c). Default 1. */
  order?: 1 | 2;
  /** Argument positions to differentiate; default: every float64 argument. */
  wrt?: readonly number[];
  /** Finite-difference step for first-order checks (default 1e-5). */
  eps?: number;
  /** Finite-difference step for the second-order check (default 1e-4). */
  eps2?: number;
  /** Relative tolerance, first order (default 1e-6). */
  rtol?: number;
  /** Relative tolerance, second order (default 1e-5). */
  rtol2?: number;
  /** Absolute floor, as a multiple of Σ|cᵢ fᵢ(x)| (default 1e-9 first order, 1e-8 second). */
  atol?: number;
  atol2?: number;
  /** Random directions per check (default 2). */
  directions?: number;
  /** Cotangents for the dot-product identity (default 3). */
  cotangents?: number;
  seed?: number;
  /** Prefixed to failure messages. */
  label?: string;
}

export interface CheckGradsReport {
  /** Largest |autodiff − finite difference| / max(|autodiff|, |finite difference|) seen, per check. */
  directional: number;
  dotProduct: number;
  secondOrder: number | null;
}

type Fn = (...args: Tensor[]) => Tensor;

const f64 = (shape: readonly number[], data: Float64Array) => new Tensor(shape, "float64", data);

function randn(rng: Rng, shape: readonly number[]): Float64Array {
  return rng.fillNormal(new Float64Array(shape.reduce((n, d) => n * d, 1)));
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function absDot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] * b[i]);
  return s;
}

/** args with args[i] += t·v[k] for the k-th differentiated position i (new concrete leaves). */
function shifted(args: readonly Tensor[], wrt: readonly number[], dirs: readonly Float64Array[], t: number): Tensor[] {
  const out = [...args];
  wrt.forEach((i, k) => {
    const x = args[i].values();
    const d = dirs[k];
    const y = new Float64Array(x.length);
    for (let j = 0; j < y.length; j++) y[j] = x[j] + t * d[j];
    out[i] = f64(args[i].shape, y);
  });
  return out;
}

function asFloat64Output(f: Fn, label: string): Fn {
  return (...a) => {
    const y = f(...a);
    if (y.dtype !== "float64") throw new Error(`${label}: checkGrads needs a float64 output, got ${y.describe()} (cast it)`);
    return y;
  };
}

function compare(label: string, what: string, ad: number, fd: number, rtol: number, atol: number): number {
  const err = Math.abs(ad - fd);
  const scale = Math.max(Math.abs(ad), Math.abs(fd));
  if (!(err <= atol + rtol * scale)) {
    throw new Error(`${label}: ${what}: autodiff ${ad} vs finite differences ${fd} (|diff| ${err.toExponential(2)}, allowed ${(atol + rtol * scale).toExponential(2)})`);
  }
  return scale > 0 ? err / scale : 0;
}

/** Check (a) for a scalar-valued L(args): ⟨∇L, v⟩ against central differences. */
function directional(
  L: Fn,
  args: readonly Tensor[],
  wrt: readonly number[],
  rng: Rng,
  n: number,
  eps: number,
  rtol: number,
  atolScale: number,
  magnitude: (args: readonly Tensor[]) => number,
  label: string,
  what: string,
): number {
  const gradOf = valueAndGrad((ps: Tensor[]) => {
    const a = [...args];
    wrt.forEach((i, k) => (a[i] = ps[k]));
    return L(...a);
  });
  const { grad } = gradOf(wrt.map((i) => args[i]));
  const gs = grad as Tensor[];
  gs.forEach((g, k) => {
    const x = args[wrt[k]];
    if (g.dtype !== x.dtype || g.shape.length !== x.shape.length || g.shape.some((d, j) => d !== x.shape[j])) {
      throw new Error(`${label}: ${what}: gradient of argument ${wrt[k]} is ${g.describe()} but the argument is ${x.describe()}`);
    }
  });
  const atol = atolScale * (1 + magnitude(args));
  let worst = 0;
  for (let t = 0; t < n; t++) {
    const dirs = wrt.map((i) => randn(rng, args[i].shape));
    const ad = gs.reduce((s, g, k) => s + dot(g.values(), dirs[k]), 0);
    const fd = (L(...shifted(args, wrt, dirs, eps)).item() - L(...shifted(args, wrt, dirs, -eps)).item()) / (2 * eps);
    worst = Math.max(worst, compare(label, `${what}, direction ${t}`, ad, fd, rtol, atol));
  }
  return worst;
}

/**
 * Checks the VJPs of f at args (float64 tensors; other dtypes are held fixed). Throws with a
 * message naming the check on a mismatch; returns the worst relative errors seen.
 */
export function checkGrads(f: Fn, args: readonly Tensor[], opts: CheckGradsOptions = {}): CheckGradsReport {
  const label = opts.label ?? (f.name || "checkGrads");
  const eps = opts.eps ?? 1e-5;
  const eps2 = opts.eps2 ?? 1e-4;
  const rtol = opts.rtol ?? 1e-6;
  const rtol2 = opts.rtol2 ?? 1e-5;
  const atol = opts.atol ?? 1e-9;
  const atol2 = opts.atol2 ?? 1e-8;
  const nDirs = opts.directions ?? 2;
  const rng = new Rng(opts.seed ?? 1234);
  // fresh leaves, so that the same tensor passed twice still counts as two arguments
  const xs = args.map((a) => new Tensor(a.shape, a.dtype, a.values().slice()));
  const wrt = opts.wrt ?? xs.flatMap((a, i) => (a.dtype === "float64" ? [i] : []));
  for (const i of wrt) if (xs[i].dtype !== "float64") throw new Error(`${label}: argument ${i} is ${xs[i].describe()}; checkGrads differentiates float64 arguments only`);
  if (wrt.length === 0) throw new Error(`${label}: nothing to differentiate`);
  const F = asFloat64Output(f, label);

  const y0 = F(...xs);
  const c = f64(y0.shape, randn(rng, y0.shape));
  const L: Fn = (...a) => ops.sum(ops.mul(F(...a), c));
  const magnitude = (a: readonly Tensor[]) => absDot(F(...a).values(), c.values());

  // (a) directional derivatives of ⟨c, f⟩
  const dirErr = directional(L, xs, wrt, rng, nDirs, eps, rtol, atol, magnitude, label, "first order");

  // (b) ⟨u, Jv⟩ (JVP by central differences) = ⟨Jᵀu, v⟩ (vjp) for several cotangents u
  let dotErr = 0;
  {
    const dirs = wrt.map((i) => randn(rng, xs[i].shape));
    const plus = F(...shifted(xs, wrt, dirs, eps)).values();
    const minus = F(...shifted(xs, wrt, dirs, -eps)).values();
    const jv = new Float64Array(plus.length);
    for (let j = 0; j < jv.length; j++) jv[j] = (plus[j] - minus[j]) / (2 * eps);
    const y = F(...xs);
    const scale = absDot(y.values(), y.values()) ** 0.5;
    for (let k = 0; k < (opts.cotangents ?? 3); k++) {
      const u = randn(rng, y.shape);
      const cts = vjp([y], [f64(y.shape, u)], wrt.map((i) => xs[i]));
      let lhs = 0;
      cts.forEach((g, m) => {
        if (g === null) return;
        const x = xs[wrt[m]];
        if (g.dtype !== "float64" || g.shape.length !== x.shape.length || g.shape.some((d, j) => d !== x.shape[j])) {
          throw new Error(`${label}: vjp returned ${g.describe()} for an argument ${x.describe()}`);
        }
        lhs += dot(g.values(), dirs[m]);
      });
      const rhs = dot(u, jv);
      const floor = atol * (1 + scale * Math.sqrt(u.length));
      dotErr = Math.max(dotErr, compare(label, `dot-product identity, cotangent ${k}`, lhs, rhs, rtol, floor));
    }
  }

  // (c) second order: the gradient of h(x) = ⟨∇L(x), w⟩
  let secondErr: number | null = null;
  if ((opts.order ?? 1) >= 2) {
    const ws = wrt.map((i) => f64(xs[i].shape, randn(rng, xs[i].shape)));
    // ∇L at a, differentiable with respect to a (valueAndGrad records the gradient's ops)
    const gradAt = (a: readonly Tensor[]): Tensor[] =>
      valueAndGrad((ps: Tensor[]) => {
        const b = [...a];
        wrt.forEach((i, k) => (b[i] = ps[k]));
        return L(...b);
      })(wrt.map((i) => a[i])).grad as Tensor[];
    const H: Fn = (...a) =>
      gradAt(a)
        .map((g, k) => ops.sum(ops.mul(g, ws[k])))
        .reduce((acc, t) => ops.add(acc, t));
    const hMagnitude = (a: readonly Tensor[]) => gradAt(a).reduce((s, g, k) => s + absDot(g.values(), ws[k].values()), 0);
    secondErr = directional(H, xs, wrt, rng, Math.max(1, nDirs - 1), eps2, rtol2, atol2, hMagnitude, label, "second order");
  }
  return { directional: dirErr, dotProduct: dotErr, secondOrder: secondErr };
}

/** Central finite-difference gradient of a scalar function of one float64 tensor (every element). */
export function numericGrad(L: (x: Tensor) => number, x: Tensor, eps = 1e-6): Float64Array {
  const base = x.values();
  const g = new Float64Array(base.length);
  for (let j = 0; j < base.length; j++) {
    const p = Float64Array.from(base);
    const m = Float64Array.from(base);
    p[j] += eps;
    m[j] -= eps;
    g[j] = (L(f64(x.shape, p)) - L(f64(x.shape, m))) / (2 * eps);
  }
  return g;
}
