// Mode coverage on toy Gaussian mixtures (the 8-ring and 25-grid of the unrolled-GAN, VEEGAN and
// PacGAN papers): each sample goes to its nearest centre and is high quality when within 3σ of it;
// a mode is covered when it receives at least one high-quality sample. Reported: modes covered, the
// fraction of high-quality samples, and KL(p ‖ uniform) of the histogram p of high-quality samples
// over the modes (0 when every mode gets the same share; log K when one mode gets them all).
import { toyDistribution } from "../../data/index.js";
import type { SampleMetric, SampleSet } from "./samples.js";

export interface MixtureTarget {
  centers: readonly (readonly [number, number])[];
  std: number;
}

export interface ModeCoverage {
  /** Modes with at least one high-quality sample. */
  modes: number;
  /** Modes of the mixture. */
  total: number;
  /** Fraction of samples within 3σ of their nearest centre. */
  highQuality: number;
  /** KL(p ‖ uniform) of the high-quality samples' histogram over the modes; null without any high-quality sample. */
  kl: number | null;
  /** High-quality samples per mode. */
  counts: Int32Array;
}

/** The centres and σ of a toy mixture by name ("8gaussians", "25gaussians"). */
export function mixtureTarget(name: string): MixtureTarget {
  const d = toyDistribution(name);
  if (!d.centers || d.std === undefined) throw new Error(`toy distribution '${name}' is not a Gaussian mixture; mode coverage needs 8gaussians or 25gaussians`);
  return { centers: d.centers, std: d.std };
}

/** Mode coverage of n 2-D points (row-major [n, 2]). */
export function modeCoverage(points: ArrayLike<number>, target: MixtureTarget, threshold = 3): ModeCoverage {
  const n = points.length >> 1;
  const k = target.centers.length;
  const counts = new Int32Array(k);
  const limit = (threshold * target.std) ** 2;
  let good = 0;
  for (let i = 0; i < n; i++) {
    const px = points[2 * i], py = points[2 * i + 1];
    let best = -1, bestD = Infinity;
    for (let c = 0; c < k; c++) {
      const d = (px - target.centers[c][0]) ** 2 + (py - target.centers[c][1]) ** 2;
      if (d < bestD) {
        bestD = d;
        best = c;
      }
    }
    if (best >= 0 && bestD <= limit) {
      good++;
      counts[best]++;
    }
  }
  let kl: number | null = null;
  if (good > 0) {
    kl = 0;
    for (const c of counts) if (c > 0) kl += (c / good) * Math.log((c / good) * k);
  }
  return { modes: counts.reduce((m, c) => m + (c > 0 ? 1 : 0), 0), total: k, highQuality: n ? good / n : 0, kl, counts };
}

/** The uniform metric form: modes covered, with the high-quality fraction and KL in details. */
export const modes: SampleMetric<{ target: MixtureTarget | string }> = async (s: SampleSet, opts) => {
  if (s.shape.length !== 2 || s.shape[1] !== 2) throw new Error(`mode coverage needs 2-D points [n, 2], got samples of shape [${s.shape.join(", ")}]`);
  const target = typeof opts.target === "string" ? mixtureTarget(opts.target) : opts.target;
  const r = modeCoverage(s.x, target);
  const details: Record<string, number> = { modes: r.modes, totalModes: r.total, highQualityFraction: r.highQuality };
  if (r.kl !== null) details.klToUniform = r.kl;
  return { value: r.modes, unit: `modes of ${r.total}`, n: s.shape[0], details };
};
