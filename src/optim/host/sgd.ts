// SGD on the host: the formulas of ../sgd.ts fused into one pass; arena [params, momentum buffer,
// gradient] (or [params, gradient] without momentum).
import { Tensor } from "../../engine/index.js";
import { placeInArena } from "./arena.js";
import { clampArena, jsClamp, jsGradient, like, stageGradient } from "./common.js";
import { checkHostArgs, flat, type Gradient, type HostModifiers, type HostResult, type HostUpdate } from "./update.js";

export interface SgdHostState {
  momentumBuffer: any;
}

export function sgdHost(c: { momentum: number; nesterov: boolean; weightDecay: number }): HostUpdate<SgdHostState> {
  const { momentum, nesterov, weightDecay: wd } = c;
  return {
    apply(params: Tensor, grad: Gradient, state: SgdHostState, lr: number, mods: HostModifiers = {}): HostResult<SgdHostState> {
      const buf0 = state.momentumBuffer as Tensor | null;
      if (momentum && !(buf0 instanceof Tensor)) throw new Error("sgd: the host update needs the state of a packed parameter vector");
      checkHostArgs("sgd", params, grad, momentum ? [buf0!] : []);
      const own = momentum ? [params, buf0!] : [params];
      const arena = params.dtype === "float32" ? placeInArena(own.map((x) => x.values() as Float32Array)) : null;
      if (arena) {
        const G = own.length;
        const { gscale, gradNorm } = stageGradient(arena, G, grad, mods);
        arena.kernels.sgd_f32(arena.offset(0), arena.offset(G), arena.offset(momentum ? 1 : G), arena.n4, lr, momentum, momentum ? 1 : 0, nesterov ? 1 : 0, wd, gscale);
        clampArena(arena, 0, mods);
        return { params: flat(arena.view(0)), state: { momentumBuffer: momentum ? flat(arena.view(1)) : null }, gradNorm };
      }

      const p = params.values() as Float32Array | Float64Array;
      const { g, gscale, gradNorm } = jsGradient(grad, params.dtype as "float32" | "float64", p.length, mods);
      const pn = like(p);
      const bn = momentum ? like(p) : null;
      const b = momentum ? (buf0!.values() as Float32Array | Float64Array) : null;
      for (let i = 0; i < p.length; i++) {
        let gi = g[i] * gscale + wd * p[i];
        if (bn) {
          const bi = momentum * b![i] + gi;
          bn[i] = bi;
          gi = nesterov ? gi + momentum * bi : bi;
        }
        pn[i] = p[i] - lr * gi;
      }
      jsClamp(pn, mods);
      return { params: flat(pn), state: { momentumBuffer: bn ? flat(bn) : null }, gradNorm };
    },
  };
}
