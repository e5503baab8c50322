// The one input every GAN metric takes: a set of samples as a flat float32 array with its shape
// and value range, whether it came from a model's `sample` query or from a .npy file (e.g. the
// PyTorch peer's samples), and the one result shape every metric returns.
import { readNpy } from "../../data/index.js";

export interface SampleSet {
  /** Row-major values, `shape` = [n, ...example shape]. */
  x: Float32Array;
  shape: number[];
  /** "unit": images in [0, 1]; "symmetric": images in [−1, 1]; "points": 2-D points as they are. */
  range: "unit" | "symmetric" | "points";
}

export interface SampleMetricResult {
  /** The headline number (FID, modes covered, …). */
  value: number;
  /** e.g. "FID", "modes of 25". */
  unit: string;
  /** Samples the value is computed from. */
  n: number;
  /** Secondary numbers (high-quality fraction, KL to uniform, per-class fractions, …). */
  details: Record<string, number>;
}

/** Every GAN metric: samples in, one result out. */
export type SampleMetric<O> = (samples: SampleSet, opts: O) => Promise<SampleMetricResult>;

/** Number of examples in a sample set. */
export const count = (s: SampleSet): number => s.shape[0];

/**
 * Images as [n, 784] values in [0, 1] for the MNIST feature net: accepts [n, 28, 28], [n, 1, 28, 28]
 * and [n, 784], in either range (clamped to [0, 1] after conversion).
 */
export function mnistImages(s: SampleSet): Float32Array {
  const n = s.shape[0];
  const per = s.shape.slice(1).reduce((a, b) => a * b, 1);
  if (per !== 784) throw new Error(`expected 28×28 images, got samples of shape [${s.shape.join(", ")}]`);
  if (s.range === "points") throw new Error("expected images, got 2-D points");
  const out = new Float32Array(n * 784);
  for (let i = 0; i < out.length; i++) {
    const v = s.range === "symmetric" ? (s.x[i] + 1) / 2 : s.x[i];
    out[i] = v < 0 ? 0 : v > 1 ? 1 : v;
  }
  return out;
}

/** What a sample array holds, by its shape: 28×28 images ([n, 784], [n, 28, 28], [n, 1, 28, 28]), 2-D points ([n, 2]), or neither. */
export function sampleKind(shape: readonly number[]): "images" | "points" | null {
  const [n, ...e] = shape;
  if (!(Number.isInteger(n) && n >= 0)) return null;
  if (e.length === 1 && e[0] === 2) return "points";
  if ((e.length === 1 && e[0] === 784) || (e.length === 2 && e[0] === 28 && e[1] === 28) || (e.length === 3 && e[0] === 1 && e[1] === 28 && e[2] === 28)) return "images";
  return null;
}

/** The shapes each kind of samples may have, for messages. */
export const SAMPLE_SHAPES = { images: "(N, 1, 28, 28), (N, 28, 28) or (N, 784)", points: "(N, 2)" } as const;

/** Smallest and largest value. */
export function valueSpan(x: ArrayLike<number>): { min: number; max: number } {
  let min = Infinity, max = -Infinity;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

/** Slack on the range check of float images (rounding in whoever saved them). */
export const RANGE_SLACK = 1e-3;

/**
 * The range of float images from their values: [−1, 1] ("symmetric") when a value is below 0 by
 * more than rounding (RANGE_SLACK), else [0, 1] ("unit": a tanh output mapped to [0, 1] in float32
 * can dip to −1e-7); null when the values fit neither (e.g. 0–255 saved as floats).
 */
export function inferImageRange(x: ArrayLike<number>): "unit" | "symmetric" | null {
  const { min, max } = valueSpan(x);
  if (max > 1 + RANGE_SLACK) return null;
  if (min >= -RANGE_SLACK) return "unit";
  return min >= -1 - RANGE_SLACK ? "symmetric" : null;
}

/**
 * Samples saved with numpy.save: float arrays are taken as given (`range` says how: images in [0, 1]
 * unless told; "auto" infers points from the shape [n, 2] and the images' range from their values,
 * see inferImageRange), uint8 arrays as bytes 0–255 scaled to [0, 1]. Non-finite values are refused.
 */
export function samplesFromNpy(path: string, range: SampleSet["range"] | "auto" = "unit"): SampleSet {
  const a = readNpy(path);
  if (a.shape.length < 2) throw new Error(`${path}: expected an array of samples (n, ...), got shape (${a.shape.join(", ")})`);
  let x: Float32Array;
  if (a.data instanceof Uint8Array) x = Float32Array.from(a.data, (v) => v / 255);
  else if (a.data instanceof Float32Array) x = a.data;
  else x = Float32Array.from(a.data);
  const per = a.shape.slice(1).reduce((p, d) => p * d, 1);
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i])) throw new Error(`${path}: value ${i} (sample ${Math.floor(i / Math.max(1, per))}) is ${x[i]}; samples must be finite — drop or replace the non-finite samples (e.g. numpy.nan_to_num) before saving`);
  }
  if (a.data instanceof Uint8Array) return { x, shape: [...a.shape], range: "unit" };
  if (range !== "auto") return { x, shape: [...a.shape], range };
  if (sampleKind(a.shape) === "points") return { x, shape: [...a.shape], range: "points" };
  const inferred = inferImageRange(x);
  if (!inferred) {
    const { min, max } = valueSpan(x);
    throw new Error(`${path}: values span [${min}, ${max}]; images must be in [0, 1] or [−1, 1] (or uint8 0–255) — rescale them before saving`);
  }
  return { x, shape: [...a.shape], range: inferred };
}
