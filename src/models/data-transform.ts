// A model's `dataTransform` (GenerativeModel.dataTransform: how raw [0,1] data is prepared for it)
// as batch transforms for training, and its inverse for showing the model's samples as images.
//
// The string is one or more steps joined by "+", applied in order:
//   none | binarize (dynamic: a fresh Bernoulli draw per pixel each time) | static-binarize
//   | symmetric ([0,1] → [−1,1]) | dequantize | logit
import {
  dequantize,
  dynamicBinarize,
  logitInverse,
  logitTransform,
  staticBinarize,
  toSymmetricRange,
  type Transform,
} from "../data/index.js";

const STEPS: Record<string, { make: () => Transform | null; display?: (x: Float32Array) => Float32Array }> = {
  none: { make: () => null },
  binarize: { make: () => dynamicBinarize() },
  "dynamic-binarize": { make: () => dynamicBinarize() },
  "static-binarize": { make: () => staticBinarize() },
  symmetric: {
    make: () => toSymmetricRange(),
    // clamped: a tanh output of −1 − ε in float32 would map just below 0
    display: (x) => x.map((v) => Math.min(1, Math.max(0, (v + 1) / 2))),
  },
  dequantize: { make: () => dequantize() },
  logit: { make: () => logitTransform(), display: (x) => logitInverse(x) },
};

export const DATA_TRANSFORM_STEPS: readonly string[] = Object.keys(STEPS);

function steps(spec: string | null | undefined): string[] {
  if (spec === undefined || spec === null || spec.trim() === "") return [];
  const parts = spec.split("+").map((s) => s.trim().toLowerCase());
  for (const p of parts) {
    if (!Object.hasOwn(STEPS, p)) throw new Error(`unknown data transform '${p}' in '${spec}'; known steps: ${DATA_TRANSFORM_STEPS.join(", ")} (joined by '+')`);
  }
  return parts;
}

/** The batch transforms that prepare [0,1] data for a model with this dataTransform. */
export function dataTransforms(spec: string | null | undefined): Transform[] {
  return steps(spec)
    .map((s) => STEPS[s].make())
    .filter((t): t is Transform => t !== null);
}

/** Maps a model's samples back to [0,1] for display (undoing symmetric scaling and the logit transform). */
export function toDisplayRange(spec: string | null | undefined, x: Float32Array): Float32Array {
  let y = x;
  for (const s of steps(spec).reverse()) y = STEPS[s].display?.(y) ?? y;
  return y;
}
