// Batch transforms, applied in order by the iterator with its own Rng. They modify the fresh batch in place.
import type { Rng } from "../engine/random.js";
import { fillRandomUint32, Scratch } from "./bulk-random.js";
import { DataError } from "./errors.js";
import type { Batch, Transform, TransformLike } from "./types.js";

const TWO32 = 4294967296;
const INV_TWO32 = 1 / TWO32;

/** Applies a transform given as an object or a plain function. */
export function applyTransform(t: TransformLike, batch: Batch, rng: Rng): Batch {
  return typeof t === "function" ? t(batch, rng) : t.apply(batch, rng);
}

/** Maps values linearly from [fromLo, fromHi] (default [0,1], what sources produce) to [lo, hi], e.g. [-1, 1]. */
export function rescale(to: readonly [number, number], from: readonly [number, number] = [0, 1]): Transform {
  const [lo, hi] = to;
  const [a, b] = from;
  if (!(b !== a && Number.isFinite(lo) && Number.isFinite(hi))) throw new DataError(`rescale: bad ranges from [${a}, ${b}] to [${lo}, ${hi}]`);
  const scale = (hi - lo) / (b - a);
  const shift = lo - a * scale;
  return {
    name: `rescale[${a},${b}]→[${lo},${hi}]`,
    apply(batch) {
      const x = batch.x;
      for (let i = 0; i < x.length; i++) x[i] = x[i] * scale + shift;
      return batch;
    },
  };
}

/** [0,1] → [-1,1] (for tanh-output generators). */
export function toSymmetricRange(): Transform {
  return rescale([-1, 1]);
}

/** [-1,1] → [0,1]. */
export function toUnitRange(): Transform {
  return rescale([0, 1], [-1, 1]);
}

/** murmur3's 32-bit finalizer: a bijective avalanche mix. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Static binarization: the same binary image for an example every time it is seen.
 * `{threshold}`: x > threshold (default 0.5). `{seed}`: one Bernoulli(x) draw per pixel, fixed by a hash of
 * (seed, example index, pixel), so it needs no storage and does not depend on batch order.
 */
export function staticBinarize(options: { threshold?: number; seed?: number } = {}): Transform {
  if (options.seed !== undefined) {
    const seed = fmix32(Math.floor(options.seed) >>> 0 ^ 0x5bd1e995);
    return {
      name: `staticBinarize(seed=${options.seed})`,
      apply(batch) {
        const x = batch.x;
        const b = batch.indices.length;
        const d = x.length / b;
        for (let e = 0; e < b; e++) {
          const base = fmix32(seed ^ Math.imul(batch.indices[e] + 1, 0x9e3779b1));
          const o = e * d;
          for (let j = 0; j < d; j++) {
            const u = fmix32(base ^ Math.imul(j + 1, 0xcc9e2d51));
            x[o + j] = u < x[o + j] * TWO32 ? 1 : 0;
          }
        }
        return batch;
      },
    };
  }
  const threshold = options.threshold ?? 0.5;
  return {
    name: `staticBinarize(threshold=${threshold})`,
    apply(batch) {
      const x = batch.x;
      for (let i = 0; i < x.length; i++) x[i] = x[i] > threshold ? 1 : 0;
      return batch;
    },
  };
}

/** Dynamic binarization: a fresh Bernoulli(x) sample per pixel every time a batch is drawn (from the iterator's Rng). */
export function dynamicBinarize(): Transform {
  const scratch = new Scratch();
  return {
    name: "dynamicBinarize",
    apply(batch, rng) {
      const x = batch.x;
      // one word per pixel from a local stream seeded by 4 draws of the host Rng, compared without branches
      const u = fillRandomUint32(rng, scratch.get(x.length));
      // P(u < v·2^32) = v for u uniform on the 32-bit words (v ≤ 0 gives 0, v ≥ 1 gives 1).
      for (let i = 0; i < x.length; i++) x[i] = +(u[i] < x[i] * TWO32);
      return batch;
    },
  };
}

/**
 * Uniform dequantization of `bins`-level data in [0,1]: y = (x·(bins−1) + u) / bins with u ~ U[0,1), so y ∈ [0,1).
 * A density p on y gives the discrete model a likelihood bound; report it with bitsPerDim(…, bins).
 */
export function dequantize(options: { bins?: number } = {}): Transform {
  const bins = options.bins ?? 256;
  const levels = bins - 1;
  const inv = 1 / bins;
  const scratch = new Scratch();
  return {
    name: `dequantize(${bins})`,
    apply(batch, rng) {
      const x = batch.x;
      const u = fillRandomUint32(rng, scratch.get(x.length));
      for (let i = 0; i < x.length; i++) x[i] = (x[i] * levels + u[i] * INV_TWO32) * inv;
      return batch;
    },
  };
}

/**
 * The logit transform for flows (RealNVP): y = logit(α + (1−2α)x), x ∈ [0,1]. Adds its per-example log-det,
 * Σ_j [log(1−2α) − log s_j − log(1−s_j)] with s = α + (1−2α)x, to batch.logDet, so that
 * log p_data(x) = log p_model(y) + logDet.
 */
export function logitTransform(options: { alpha?: number } = {}): Transform {
  const alpha = options.alpha ?? 1e-6;
  if (!(alpha >= 0 && alpha < 0.5)) throw new DataError(`logitTransform: alpha must be in [0, 0.5), got ${alpha}`);
  const scale = 1 - 2 * alpha;
  const logScale = Math.log(scale);
  return {
    name: `logit(α=${alpha})`,
    apply(batch) {
      const x = batch.x;
      const b = batch.indices.length;
      const d = x.length / b;
      const logDet = batch.logDet ?? new Float64Array(b);
      for (let e = 0; e < b; e++) {
        let acc = 0;
        const o = e * d;
        for (let j = 0; j < d; j++) {
          const s = alpha + scale * x[o + j];
          const ls = Math.log(s), l1s = Math.log(1 - s);
          x[o + j] = ls - l1s;
          acc += logScale - ls - l1s; // dy/dx = (1−2α) / (s(1−s))
        }
        logDet[e] += acc;
      }
      batch.logDet = logDet;
      return batch;
    },
  };
}

/** Inverse of the logit transform (model samples back to [0,1]): x = (sigmoid(y) − α) / (1 − 2α), clamped to [0,1]. */
export function logitInverse(y: Float32Array, options: { alpha?: number } = {}): Float32Array {
  const alpha = options.alpha ?? 1e-6;
  const out = new Float32Array(y.length);
  for (let i = 0; i < y.length; i++) {
    const v = (1 / (1 + Math.exp(-y[i])) - alpha) / (1 - 2 * alpha);
    out[i] = v < 0 ? 0 : v > 1 ? 1 : v;
  }
  return out;
}

/**
 * Bits per dimension in data space of `dims`-dimensional data dequantized to [0,1] with `bins` levels:
 * bpd = (−(log p_model(y) + logDet) + D·log bins) / (D·log 2), where logDet is batch.logDet (0 without a logit transform).
 */
export function bitsPerDim(logProbModel: number, logDet: number, dims: number, bins = 256): number {
  return (-(logProbModel + logDet) + dims * Math.log(bins)) / (dims * Math.LN2);
}

/** One-hot encodes batch.labels into batch.oneHot ([batch, numClasses]). */
export function oneHot(numClasses: number): Transform {
  if (!(Number.isInteger(numClasses) && numClasses > 0)) throw new DataError(`oneHot: numClasses must be a positive integer, got ${numClasses}`);
  return {
    name: `oneHot(${numClasses})`,
    apply(batch) {
      const labels = batch.labels;
      if (!labels) throw new DataError("oneHot: the batch has no labels (the data source is unlabeled)");
      const out = new Float32Array(labels.length * numClasses);
      for (let i = 0; i < labels.length; i++) {
        const l = labels[i];
        if (!(l >= 0 && l < numClasses)) throw new DataError(`oneHot: label ${l} is outside 0..${numClasses - 1}; pass the right numClasses`);
        out[i * numClasses + l] = 1;
      }
      batch.oneHot = out;
      return batch;
    },
  };
}

/** Flips each example left-right (along its last axis) with probability p. Needs examples of ≥ 2 dims, e.g. [C,H,W]. */
export function randomHorizontalFlip(p = 0.5): Transform {
  return {
    name: `randomHorizontalFlip(${p})`,
    apply(batch, rng) {
      if (batch.shape.length < 3) throw new DataError(`randomHorizontalFlip: needs image batches [N, (C,) H, W], got shape [${batch.shape.join(", ")}]`);
      const x = batch.x;
      const b = batch.shape[0];
      const w = batch.shape[batch.shape.length - 1];
      const d = x.length / b;
      for (let e = 0; e < b; e++) {
        if (!(rng.uniform() < p)) continue;
        for (let row = e * d; row < (e + 1) * d; row += w) {
          for (let i = row, j = row + w - 1; i < j; i++, j--) {
            const t = x[i];
            x[i] = x[j];
            x[j] = t;
          }
        }
      }
      return batch;
    },
  };
}
