// Adam/AdamW on the host: the formulas of ../adam.ts, fused into one pass. float32 runs the
// WebAssembly SIMD kernel over an arena holding [params, exp_avg, exp_avg_sq, gradient];
// float64 (and vectors too large for an arena) run the same arithmetic as a JavaScript loop.
import { scalar, Tensor } from "../../engine/index.js";
import { Arena } from "./arena.js";
import { checkHostArgs, flat, gradInto, gradValues, type Gradient, type HostModifiers, type HostResult, type HostUpdate } from "./update.js";

export interface AdamHostState {
  step: Tensor;
  expAvg: any;
  expAvgSq: any;
}

export interface AdamConstants {
  b1: number;
  b2: number;
  eps: number;
  weightDecay: number;
  decoupled: boolean;
}

const P = 0, M = 1, V = 2, G = 3;

/** The arena already holding params, m and v in place, or a new one they are copied into. */
function place(params: Float32Array, m: Float32Array, v: Float32Array): Arena | null {
  const a = Arena.of(params);
  if (a && a.count === 4 && a.holds(P, params) && a.holds(M, m) && a.holds(V, v)) return a;
  const fresh = Arena.create(params.length, 4);
  if (!fresh) return null;
  fresh.view(P).set(params);
  fresh.view(M).set(m);
  fresh.view(V).set(v);
  return fresh;
}

export function adamHost(name: string, c: AdamConstants): HostUpdate<AdamHostState> {
  const { b1, b2, eps, weightDecay: wd, decoupled } = c;
  return {
    apply(params: Tensor, grad: Gradient, state: AdamHostState, lr: number, mods: HostModifiers = {}): HostResult<AdamHostState> {
      const m0 = state.expAvg as Tensor;
      const v0 = state.expAvgSq as Tensor;
      if (!(m0 instanceof Tensor) || !(v0 instanceof Tensor)) throw new Error(`${name}: the host update needs the state of a packed parameter vector`);
      checkHostArgs(name, params, grad, [m0, v0]);
      const t = state.step.item() + 1;
      const bc1 = 1 - b1 ** t;
      const bc2Sqrt = Math.sqrt(1 - b2 ** t);
      // (lr/bc1)·m/(√v/√bc2 + ε) = (lr·√bc2/bc1)·m/(√v + ε√bc2), as the in-graph update
      const stepSize = (lr * bc2Sqrt) / bc1;
      const epsScaled = eps * bc2Sqrt;
      const shrink = wd && decoupled ? 1 - lr * wd : 1;
      const l2 = wd && !decoupled ? wd : 0;
      const step = scalar(t, params.dtype);
      const clampC = mods.clampWeights;

      const arena = params.dtype === "float32" ? place(params.values() as Float32Array, m0.values() as Float32Array, v0.values() as Float32Array) : null;
      if (arena) {
        const k = arena.kernels;
        gradInto(arena.view(G), grad);
        let gradNorm: number | undefined;
        let gscale = 1;
        if (mods.maxGradNorm !== undefined) {
          gradNorm = Math.sqrt(k.sumsq_f32(arena.offset(G), arena.n4));
          gscale = Math.min(1, mods.maxGradNorm / (gradNorm + 1e-6));
        }
        k.adam_f32(arena.offset(P), arena.offset(G), arena.offset(M), arena.offset(V), arena.n4, b1, 1 - b1, b2, 1 - b2, stepSize, epsScaled, shrink, l2, gscale);
        if (clampC !== undefined) k.clamp_f32(arena.offset(P), arena.n4, -clampC, clampC);
        return { params: flat(arena.view(P)), state: { step, expAvg: flat(arena.view(M)), expAvgSq: flat(arena.view(V)) }, gradNorm };
      }

      const p = params.values() as Float32Array | Float64Array;
      const g = gradValues(grad, params.dtype as "float32" | "float64", params.size);
      const m = m0.values() as Float32Array | Float64Array;
      const v = v0.values() as Float32Array | Float64Array;
      const Ctor = p instanceof Float64Array ? Float64Array : Float32Array;
      const n = p.length;
      const pn = new Ctor(n);
      const mn = new Ctor(n);
      const vn = new Ctor(n);
      let gradNorm: number | undefined;
      let gscale = 1;
      if (mods.maxGradNorm !== undefined) {
        let ss = 0;
        for (let i = 0; i < n; i++) ss += g[i] * g[i];
        gradNorm = Math.sqrt(ss);
        gscale = Math.min(1, mods.maxGradNorm / (gradNorm + 1e-6));
      }
      const c1 = 1 - b1;
      const c2 = 1 - b2;
      for (let i = 0; i < n; i++) {
        const gi = g[i] * gscale + l2 * p[i];
        const mi = b1 * m[i] + c1 * gi;
        const vi = b2 * v[i] + c2 * gi * gi;
        mn[i] = mi;
        vn[i] = vi;
        const pi = p[i] * shrink - (mi / (Math.sqrt(vi) + epsScaled)) * stepSize;
        pn[i] = clampC === undefined ? pi : Math.min(Math.max(pi, -clampC), clampC);
      }
      return { params: flat(pn), state: { step, expAvg: flat(mn), expAvgSq: flat(vn) }, gradNorm };
    },
  };
}
