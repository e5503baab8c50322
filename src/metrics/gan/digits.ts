// Mode coverage over MNIST's ten digits: Eikon's classifier labels each sample, and the label
// histogram says which digits the generator produces and how evenly. Reported: digits that receive
// at least `minShare` (default 5 %) of the samples, the share of each digit, and KL(p ‖ uniform).
import { classify, mnistClassifier, type ClassifierOptions, type MnistClassifier } from "./classifier.js";
import { mnistImages, type SampleMetric, type SampleSet } from "./samples.js";

/** Class counts of arg-max labels from logits [n, 10]. */
export function labelHistogram(logits: Float32Array): Int32Array {
  const n = logits.length / 10;
  const counts = new Int32Array(10);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let k = 1; k < 10; k++) if (logits[i * 10 + k] > logits[i * 10 + best]) best = k;
    counts[best]++;
  }
  return counts;
}

export interface DigitOptions extends ClassifierOptions {
  classifier?: MnistClassifier;
  /** A digit counts as covered when it gets at least this share of the samples (default 0.05). */
  minShare?: number;
}

/** Digits covered (share ≥ minShare), with each digit's share and KL(p ‖ uniform) in details. */
export const digits: SampleMetric<DigitOptions> = async (s: SampleSet, opts = {}) => {
  const classifier = opts.classifier ?? (await mnistClassifier(opts));
  const minShare = opts.minShare ?? 0.05;
  const counts = labelHistogram((await classify(classifier, mnistImages(s), { backend: opts.backend })).logits);
  const n = s.shape[0];
  const details: Record<string, number> = {};
  let covered = 0;
  let kl = 0;
  counts.forEach((c, k) => {
    const p = c / n;
    details[`share${k}`] = p;
    if (p >= minShare) covered++;
    if (p > 0) kl += p * Math.log(p * 10);
  });
  details.klToUniform = kl;
  details.minShare = minShare;
  return { value: covered, unit: `digits of 10 with ≥ ${(100 * minShare).toFixed(0)} % of samples`, n, details };
};
