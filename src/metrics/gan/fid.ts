// Fréchet distance between Gaussians fitted to features (Heusel et al., 2017, "GANs Trained by a
// Two Time-Scale Update Rule Converge to a Local Nash Equilibrium"):
//   FID = ‖μ₁ − μ₂‖² + tr Σ₁ + tr Σ₂ − 2 tr (Σ₁ Σ₂)^½,
// with tr (Σ₁Σ₂)^½ = Σᵢ √λᵢ(S Σ₂ S), S = Σ₁^½ (both symmetric, by Jacobi eigendecomposition in
// float64, so no complex square roots arise). On MNIST the features are those of Eikon's own
// classifier (classifier.ts), and the reference statistics those of the 10000 test images, cached
// next to the classifier.
import { existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { mnist } from "../../data/index.js";
import { loadSafetensors, saveSafetensors } from "../../io/index.js";
import { CLASSIFIER_VERSION, FEATURE_SIZE, cacheDir, classify, mnistClassifier, type ClassifierOptions, type MnistClassifier } from "./classifier.js";
import { mnistImages, type SampleMetric, type SampleSet } from "./samples.js";

export interface FeatureStats {
  /** Feature dimension d. */
  d: number;
  /** Examples the statistics come from. */
  n: number;
  mean: Float64Array;
  /** Unbiased covariance, d×d row-major. */
  cov: Float64Array;
}

/** Mean and unbiased covariance of n feature vectors (row-major [n, d]). */
export function featureStats(features: ArrayLike<number>, d: number): FeatureStats {
  const n = features.length / d;
  if (!Number.isInteger(n) || n < 2) throw new Error(`featureStats: need at least 2 feature vectors of size ${d}, got ${features.length} values`);
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += features[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  const cov = new Float64Array(d * d);
  const c = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) c[j] = features[i * d + j] - mean[j];
    for (let a = 0; a < d; a++) {
      const ca = c[a];
      if (ca === 0) continue;
      for (let b = a; b < d; b++) cov[a * d + b] += ca * c[b];
    }
  }
  for (let a = 0; a < d; a++) {
    for (let b = a; b < d; b++) {
      const v = cov[a * d + b] / (n - 1);
      cov[a * d + b] = v;
      cov[b * d + a] = v;
    }
  }
  return { d, n, mean, cov };
}

/** Eigenvalues and eigenvectors (columns of `vectors`, row-major) of a symmetric matrix, by cyclic Jacobi rotations. */
export function symmetricEigen(m: ArrayLike<number>, d: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(m);
  const v = new Float64Array(d * d);
  for (let i = 0; i < d; i++) v[i * d + i] = 1;
  let scale = 0;
  for (let i = 0; i < d * d; i++) scale += a[i] * a[i];
  const tol = 1e-30 * Math.max(scale, 1e-300);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) off += a[p * d + q] ** 2;
    if (off <= tol) break;
    for (let p = 0; p < d; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = a[p * d + q];
        if (apq === 0) continue;
        const theta = (a[q * d + q] - a[p * d + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < d; k++) {
          const akp = a[k * d + p], akq = a[k * d + q];
          a[k * d + p] = c * akp - s * akq;
          a[k * d + q] = s * akp + c * akq;
        }
        for (let k = 0; k < d; k++) {
          const apk = a[p * d + k], aqk = a[q * d + k];
          a[p * d + k] = c * apk - s * aqk;
          a[q * d + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < d; k++) {
          const vkp = v[k * d + p], vkq = v[k * d + q];
          v[k * d + p] = c * vkp - s * vkq;
          v[k * d + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  return { values: Float64Array.from({ length: d }, (_, i) => a[i * d + i]), vectors: v };
}

/** The symmetric PSD square root V diag(√max(λ, 0)) Vᵀ. */
function sqrtPsd(m: Float64Array, d: number): Float64Array {
  const { values, vectors } = symmetricEigen(m, d);
  const out = new Float64Array(d * d);
  for (let k = 0; k < d; k++) {
    const s = Math.sqrt(Math.max(values[k], 0));
    if (s === 0) continue;
    for (let i = 0; i < d; i++) {
      const vik = vectors[i * d + k] * s;
      for (let j = 0; j < d; j++) out[i * d + j] += vik * vectors[j * d + k];
    }
  }
  return out;
}

function matmul(a: Float64Array, b: Float64Array, d: number): Float64Array {
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let k = 0; k < d; k++) {
      const aik = a[i * d + k];
      if (aik === 0) continue;
      for (let j = 0; j < d; j++) out[i * d + j] += aik * b[k * d + j];
    }
  }
  return out;
}

/** The Fréchet distance between N(μ₁, Σ₁) and N(μ₂, Σ₂). */
export function frechetDistance(p: FeatureStats, q: FeatureStats): number {
  if (p.d !== q.d) throw new Error(`frechetDistance: feature sizes differ (${p.d} and ${q.d})`);
  const d = p.d;
  let diff = 0;
  for (let j = 0; j < d; j++) diff += (p.mean[j] - q.mean[j]) ** 2;
  let tr = 0;
  for (let j = 0; j < d; j++) tr += p.cov[j * d + j] + q.cov[j * d + j];
  const s = sqrtPsd(p.cov, d);
  const m = matmul(matmul(s, q.cov, d), s, d);
  for (let i = 0; i < d; i++) for (let j = i + 1; j < d; j++) m[i * d + j] = m[j * d + i] = (m[i * d + j] + m[j * d + i]) / 2;
  const { values } = symmetricEigen(m, d);
  let trSqrt = 0;
  for (const v of values) trSqrt += Math.sqrt(Math.max(v, 0));
  return Math.max(0, diff + tr - 2 * trSqrt);
}

/** Where the MNIST test set's feature statistics are cached. */
export function referenceStatsPath(dir = cacheDir()): string {
  return join(dir, `${CLASSIFIER_VERSION}-mnist-test-stats.safetensors`);
}

/** Feature statistics of the MNIST test set under the classifier (computed once, then cached). */
export async function mnistReferenceStats(classifier: MnistClassifier, opts: ClassifierOptions = {}): Promise<FeatureStats> {
  const path = referenceStatsPath(opts.dir);
  if (existsSync(path)) {
    const { tensors, metadata } = await loadSafetensors(path);
    if (metadata.version === CLASSIFIER_VERSION) {
      return { d: FEATURE_SIZE, n: Number(metadata.n), mean: tensors.mean.data as Float64Array, cov: tensors.cov.data as Float64Array };
    }
  }
  const src = mnist({ split: "test" });
  const x = new Float32Array(src.n * 784);
  src.read(Int32Array.from({ length: src.n }, (_, i) => i), x);
  const stats = featureStats((await classify(classifier, x, { backend: opts.backend })).features, FEATURE_SIZE);
  mkdirSync(dirname(path), { recursive: true });
  await saveSafetensors(path, { mean: { dtype: "float64", shape: [FEATURE_SIZE], data: stats.mean }, cov: { dtype: "float64", shape: [FEATURE_SIZE, FEATURE_SIZE], data: stats.cov } }, { version: CLASSIFIER_VERSION, n: String(stats.n) });
  return stats;
}

export interface FidOptions extends ClassifierOptions {
  /** The feature net (default: the cached classifier, trained on first use). */
  classifier?: MnistClassifier;
  /** Statistics to compare with (default: the MNIST test set's). */
  reference?: FeatureStats;
}

/** FID of MNIST-shaped samples against the MNIST test set, on Eikon's classifier features. */
export const fid: SampleMetric<FidOptions> = async (s: SampleSet, opts = {}) => {
  const classifier = opts.classifier ?? (await mnistClassifier(opts));
  const reference = opts.reference ?? (await mnistReferenceStats(classifier, opts));
  const { features } = await classify(classifier, mnistImages(s), { backend: opts.backend });
  const stats = featureStats(features, FEATURE_SIZE);
  return { value: frechetDistance(stats, reference), unit: "FID", n: s.shape[0], details: { referenceExamples: reference.n } };
};
