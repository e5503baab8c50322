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

/**
 * Samples saved with numpy.save: float arrays are taken as given (`range` says how: images in [0, 1]
 * unless told), uint8 arrays as bytes 0–255 scaled to [0, 1].
 */
export function samplesFromNpy(path: string, range: SampleSet["range"] = "unit"): SampleSet {
  const a = readNpy(path);
  if (a.shape.length < 2) throw new Error(`${path}: expected an array of samples (n, ...), got shape (${a.shape.join(", ")})`);
  let x: Float32Array;
  if (a.data instanceof Uint8Array) x = Float32Array.from(a.data, (v) => v / 255);
  else if (a.data instanceof Float32Array) x = a.data;
  else x = Float32Array.from(a.data);
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) throw new Error(`${path}: value ${i} is ${x[i]}; samples must be finite`);
  return { x, shape: [...a.shape], range: a.data instanceof Uint8Array ? "unit" : range };
}
