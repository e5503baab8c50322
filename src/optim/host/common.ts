// The steps every host update shares around its own arithmetic: the gradient into the arena (or
// as one array), its clipping scale, and weight clamping afterwards.
import type { Arena } from "./arena.js";
import { gradInto, gradValues, type Gradient, type HostModifiers } from "./update.js";

export interface GradScale {
  /** Factor for the gradient (1 unless clipped). */
  gscale: number;
  /** ‖g‖₂ before clipping, when clipping was asked for. */
  gradNorm?: number;
}

const clipScale = (sumSq: number, maxNorm: number): GradScale => {
  const gradNorm = Math.sqrt(sumSq);
  return { gscale: Math.min(1, maxNorm / (gradNorm + 1e-6)), gradNorm };
};

/** Copies the gradient into arena slot `slot` and works out its clipping scale. */
export function stageGradient(arena: Arena, slot: number, grad: Gradient, mods: HostModifiers): GradScale {
  gradInto(arena.view(slot), grad);
  if (mods.maxGradNorm === undefined) return { gscale: 1 };
  return clipScale(arena.kernels.sumsq_f32(arena.offset(slot), arena.n4), mods.maxGradNorm);
}

/** Clamps arena slot `slot` to [−c, c] when asked (WGAN). */
export function clampArena(arena: Arena, slot: number, mods: HostModifiers): void {
  if (mods.clampWeights !== undefined) arena.kernels.clamp_f32(arena.offset(slot), arena.n4, -mods.clampWeights, mods.clampWeights);
}

/** The JavaScript path: the gradient as one array and its clipping scale. */
export function jsGradient(grad: Gradient, dtype: "float32" | "float64", n: number, mods: HostModifiers): { g: Float32Array | Float64Array } & GradScale {
  const g = gradValues(grad, dtype, n);
  if (mods.maxGradNorm === undefined) return { g, gscale: 1 };
  let ss = 0;
  for (let i = 0; i < n; i++) ss += g[i] * g[i];
  return { g, ...clipScale(ss, mods.maxGradNorm) };
}

/** The JavaScript path's clamp, in place on a fresh array. */
export function jsClamp(p: Float32Array | Float64Array, mods: HostModifiers): void {
  const c = mods.clampWeights;
  if (c === undefined) return;
  for (let i = 0; i < p.length; i++) p[i] = Math.min(Math.max(p[i], -c), c);
}

/** A fresh array of the same kind. */
export const like = (a: Float32Array | Float64Array): Float32Array | Float64Array => (a instanceof Float64Array ? new Float64Array(a.length) : new Float32Array(a.length));
