// FID: the Fréchet distance against numpy (eigenvalues of the non-symmetric product, a different
// route), its closed form for diagonal covariances, and the unbiased covariance.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { featureStats, frechetDistance, symmetricEigen, type FeatureStats } from "../../../src/metrics/gan/index.js";

const golden = JSON.parse(readFileSync(new URL("../../fixtures/gan/frechet.json", import.meta.url), "utf8"));
const close = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol * (1 + Math.abs(b)), `${what}: ${a} vs ${b}`);
const stats = (mean: number[], cov: number[]): FeatureStats => ({ d: mean.length, n: 100, mean: Float64Array.from(mean), cov: Float64Array.from(cov) });

describe("Fréchet distance", () => {
  it("matches numpy on full-rank and rank-deficient covariances", () => {
    for (const c of golden.cases) close(frechetDistance(stats(c.mean1, c.cov1), stats(c.mean2, c.cov2)), c.fid, 1e-9, `d = ${c.d}`);
  });

  it("is 0 between identical statistics and has the closed form for diagonal covariances", () => {
    const c = golden.cases[0];
    close(frechetDistance(stats(c.mean1, c.cov1), stats(c.mean1, c.cov1)), 0, 1e-9, "identical");
    const a = [1, 4, 0.25], b = [9, 1, 0.25];
    const diag = (v: number[]) => v.flatMap((x, i) => v.map((_, j) => (i === j ? x : 0)));
    const want = 1 + 4 + a.reduce((s, x, i) => s + (Math.sqrt(x) - Math.sqrt(b[i])) ** 2, 0);
    close(frechetDistance(stats([0, 0, 0], diag(a)), stats([1, 2, 0], diag(b))), want, 1e-12, "diagonal");
  });

  it("feature statistics: mean and unbiased covariance as numpy.cov", () => {
    const s = featureStats(golden.features, golden.features_shape[1]);
    s.mean.forEach((v, i) => close(v, golden.features_mean[i], 1e-12, `mean ${i}`));
    s.cov.forEach((v, i) => close(v, golden.features_cov[i], 1e-12, `cov ${i}`));
  });

  it("symmetric eigendecomposition: A V = V Λ with orthonormal V", () => {
    const c = golden.cases[0];
    const d = c.d;
    const { values, vectors } = symmetricEigen(c.cov1, d);
    for (let k = 0; k < d; k++) {
      for (let i = 0; i < d; i++) {
        let av = 0;
        for (let j = 0; j < d; j++) av += c.cov1[i * d + j] * vectors[j * d + k];
        close(av, values[k] * vectors[i * d + k], 1e-10, `(AV)[${i},${k}]`);
      }
      let nn = 0;
      for (let i = 0; i < d; i++) nn += vectors[i * d + k] ** 2;
      close(nn, 1, 1e-12, `‖v${k}‖`);
    }
  });
});
