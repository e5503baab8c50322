// The EMA wrapper on the host: the wrapped update, then e ← decay·e + (1 − decay)·p in one
// SIMD pass. The average lives in an arena of its own ([ema, a copy of p]): a kernel sees only
// its own memory, and the parameters live in the wrapped optimizer's.
import { Tensor } from "../../engine/index.js";
import { placeInArena } from "./arena.js";
import { flat, type HostUpdate } from "./update.js";

export function emaHost<S>(inner: HostUpdate<S>, decay: number): HostUpdate<{ inner: S; ema: any }> {
  return {
    apply(params, grad, state, lr, mods) {
      const e0 = state.ema as Tensor;
      if (!(e0 instanceof Tensor) || e0.isSymbolic || e0.size !== params.size || e0.dtype !== params.dtype) {
        throw new Error(`withEma: the host update needs the EMA of a packed parameter vector (${params.describe()}), got ${e0 instanceof Tensor ? e0.describe() : typeof e0}`);
      }
      const r = inner.apply(params, grad, state.inner, lr, mods);
      const p = r.params.values() as Float32Array | Float64Array;
      const arena = params.dtype === "float32" ? placeInArena([e0.values() as Float32Array]) : null;
      if (arena) {
        arena.view(1).set(p);
        arena.kernels.ema_f32(arena.offset(0), arena.offset(1), arena.n4, decay);
        return { params: r.params, state: { inner: r.state, ema: flat(arena.view(0)) }, gradNorm: r.gradNorm };
      }
      const e = e0.values() as Float32Array | Float64Array;
      const en = e instanceof Float64Array ? new Float64Array(e.length) : new Float32Array(e.length);
      for (let i = 0; i < e.length; i++) en[i] = decay * e[i] + (1 - decay) * p[i];
      return { params: r.params, state: { inner: r.state, ema: flat(en) }, gradNorm: r.gradNorm };
    },
  };
}
