// RMSprop on the host: the formulas of ../rmsprop.ts fused into one pass; arena [params,
// square_avg, grad_avg?, momentum_buffer?, gradient] (absent parts are not allocated).
import { Tensor } from "../../engine/index.js";
import { placeInArena } from "./arena.js";
import { clampArena, jsClamp, jsGradient, like, stageGradient } from "./common.js";
import { checkHostArgs, flat, type Gradient, type HostModifiers, type HostResult, type HostUpdate } from "./update.js";

export interface RmspropHostState {
  squareAvg: any;
  gradAvg: any;
  momentumBuffer: any;
}

export function rmspropHost(c: { alpha: number; eps: number; weightDecay: number; momentum: number; centered: boolean }): HostUpdate<RmspropHostState> {
  const { alpha, eps, weightDecay: wd, momentum, centered } = c;
  return {
    apply(params: Tensor, grad: Gradient, state: RmspropHostState, lr: number, mods: HostModifiers = {}): HostResult<RmspropHostState> {
      const parts = [state.squareAvg, centered ? state.gradAvg : null, momentum ? state.momentumBuffer : null];
      if (parts.some((t, k) => (k === 0 || t !== null) && !(t instanceof Tensor))) throw new Error("rmsprop: the host update needs the state of a packed parameter vector");
      const present = parts.filter((t): t is Tensor => t instanceof Tensor);
      checkHostArgs("rmsprop", params, grad, present);
      const own = [params, ...present];
      const slot = (k: number) => (parts[k] ? own.indexOf(parts[k]) : -1);
      const arena = params.dtype === "float32" ? placeInArena(own.map((x) => x.values() as Float32Array)) : null;
      if (arena) {
        const G = own.length;
        const at = (k: number) => arena.offset(slot(k) >= 0 ? slot(k) : G); // an absent part points at the gradient and is not read
        const { gscale, gradNorm } = stageGradient(arena, G, grad, mods);
        arena.kernels.rmsprop_f32(arena.offset(0), arena.offset(G), at(0), at(1), at(2), arena.n4, alpha, eps, lr, momentum, centered ? 1 : 0, momentum ? 1 : 0, wd, gscale);
        clampArena(arena, 0, mods);
        const view = (k: number) => (slot(k) >= 0 ? flat(arena.view(slot(k))) : null);
        return { params: flat(arena.view(0)), state: { squareAvg: view(0), gradAvg: view(1), momentumBuffer: view(2) }, gradNorm };
      }

      const p = params.values() as Float32Array | Float64Array;
      const { g, gscale, gradNorm } = jsGradient(grad, params.dtype as "float32" | "float64", p.length, mods);
      const s0 = (state.squareAvg as Tensor).values();
      const ga0 = centered ? (state.gradAvg as Tensor).values() : null;
      const b0 = momentum ? (state.momentumBuffer as Tensor).values() : null;
      const [pn, sn] = [like(p), like(p)];
      const gan = centered ? like(p) : null;
      const bn = momentum ? like(p) : null;
      for (let i = 0; i < p.length; i++) {
        const gi = g[i] * gscale + wd * p[i];
        const si = alpha * s0[i] + (1 - alpha) * gi * gi;
        sn[i] = si;
        let avg: number;
        if (gan) {
          const gai = alpha * ga0![i] + (1 - alpha) * gi;
          gan[i] = gai;
          avg = Math.sqrt(si - gai * gai) + eps;
        } else avg = Math.sqrt(si) + eps;
        let d = gi / avg;
        if (bn) {
          d = momentum * b0![i] + d;
          bn[i] = d;
        }
        pn[i] = p[i] - lr * d;
      }
      jsClamp(pn, mods);
      return { params: flat(pn), state: { squareAvg: flat(sn), gradAvg: gan ? flat(gan) : null, momentumBuffer: bn ? flat(bn) : null }, gradNorm };
    },
  };
}
