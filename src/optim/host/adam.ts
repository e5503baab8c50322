// Adam/AdamW on the host: the formulas of ../adam.ts, fused into one pass. float32 runs the
// WebAssembly SIMD kernel over an arena holding [params, exp_avg, exp_avg_sq, gradient];
// float64 (and vectors too large for an arena) run the same arithmetic as a JavaScript loop.
import { scalar, Tensor } from "../../engine/index.js";
import { placeInArena } from "./arena.js";
import { clampArena, jsClamp, jsGradient, like, stageGradient } from "./common.js";
import { checkHostArgs, flat, type Gradient, type HostModifiers, type HostResult, type HostUpdate } from "./update.js";

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

      const arena = params.dtype === "float32" ? placeInArena([params, m0, v0].map((x) => x.values() as Float32Array)) : null;
      if (arena) {
        const { gscale, gradNorm } = stageGradient(arena, G, grad, mods);
        arena.kernels.adam_f32(arena.offset(P), arena.offset(G), arena.offset(M), arena.offset(V), arena.n4, b1, 1 - b1, b2, 1 - b2, stepSize, epsScaled, shrink, l2, gscale);
        clampArena(arena, P, mods);
        return { params: flat(arena.view(P)), state: { step, expAvg: flat(arena.view(M)), expAvgSq: flat(arena.view(V)) }, gradNorm };
      }

      const p = params.values() as Float32Array | Float64Array;
      const m = m0.values() as Float32Array | Float64Array;
      const v = v0.values() as Float32Array | Float64Array;
      const { g, gscale, gradNorm } = jsGradient(grad, params.dtype as "float32" | "float64", p.length, mods);
      const [pn, mn, vn] = [like(p), like(p), like(p)];
      const c1 = 1 - b1;
      const c2 = 1 - b2;
      for (let i = 0; i < p.length; i++) {
        const gi = g[i] * gscale + l2 * p[i];
        const mi = b1 * m[i] + c1 * gi;
        const vi = b2 * v[i] + c2 * gi * gi;
        mn[i] = mi;
        vn[i] = vi;
        pn[i] = p[i] * shrink - (mi / (Math.sqrt(vi) + epsScaled)) * stepSize;
      }
      jsClamp(pn, mods);
      return { params: flat(pn), state: { step, expAvg: flat(mn), expAvgSq: flat(vn) }, gradNorm };
    },
  };
}
