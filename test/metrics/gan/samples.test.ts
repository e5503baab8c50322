// The sample-file conventions behind `eikon eval --samples`: what a shape holds, how the range of
// float images is inferred, non-finite values refused, and the sample metrics by name and alias.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { encodeNpy } from "../../../src/io/index.js";
import { findSampleMetric, inferImageRange, sampleKind, sampleMetricNames, samplesFromNpy, SAMPLE_METRICS } from "../../../src/metrics/gan/index.js";

const dir = mkdtempSync(join(tmpdir(), "eikon-gan-samples-"));
after(() => rmSync(dir, { recursive: true, force: true }));

describe("sample files", () => {
  it("sampleKind: 28×28 images in three layouts, 2-D points, nothing else", () => {
    for (const s of [[5, 784], [5, 28, 28], [5, 1, 28, 28]]) assert.equal(sampleKind(s), "images", s.join(","));
    assert.equal(sampleKind([5, 2]), "points");
    for (const s of [[5], [5, 3], [5, 3, 28, 28], [5, 28, 27], [5, 1, 2]]) assert.equal(sampleKind(s), null, s.join(","));
  });

  it("inferImageRange: [0, 1] unless a value is below 0 by more than rounding, then [−1, 1]; neither for 0–255", () => {
    assert.equal(inferImageRange([0, 0.5, 1]), "unit");
    // (tanh + 1) / 2 in float32: −1.19e-7 is rounding, not a [−1, 1] image (was read as one: FID 1095 instead of 191)
    assert.equal(inferImageRange([-1.1920929e-7, 0.5, 1]), "unit");
    assert.equal(inferImageRange([-1, 0, 1]), "symmetric");
    assert.equal(inferImageRange([-0.2, 0.3]), "symmetric");
    assert.equal(inferImageRange([0, 255]), null);
    assert.equal(inferImageRange([-3, 0.5]), null);
  });

  it("samplesFromNpy(auto): points by shape, image range by value, uint8 as bytes; NaN refused naming the sample", () => {
    const f = (name: string, data: Float32Array | Uint8Array, shape: number[]) => {
      const p = join(dir, name);
      writeFileSync(p, encodeNpy(data, shape));
      return p;
    };
    assert.equal(samplesFromNpy(f("p.npy", new Float32Array([-4, 4, 2, -2]), [2, 2]), "auto").range, "points");
    assert.equal(samplesFromNpy(f("u.npy", new Float32Array(784).fill(0.5), [1, 784]), "auto").range, "unit");
    assert.equal(samplesFromNpy(f("s.npy", new Float32Array(784).fill(-1), [1, 784]), "auto").range, "symmetric");
    const bytes = samplesFromNpy(f("b.npy", new Uint8Array(784).fill(255), [1, 28, 28]), "auto");
    assert.equal(bytes.range, "unit");
    assert.equal(bytes.x[0], 1);
    assert.throws(() => samplesFromNpy(f("w.npy", new Float32Array(784).fill(200), [1, 784]), "auto"), /values span \[200, 200\]; images must be in \[0, 1\] or \[−1, 1\]/);
    const nan = new Float32Array(4 * 784);
    nan[2 * 784 + 3] = NaN;
    assert.throws(() => samplesFromNpy(f("n.npy", nan, [4, 784]), "auto"), /value 1571 \(sample 2\) is NaN; samples must be finite/);
    assert.equal(samplesFromNpy(f("given.npy", new Float32Array(784).fill(0.5), [1, 784]), "symmetric").range, "symmetric", "a given range is kept");
  });

  it("sample metrics by name and alias", () => {
    assert.deepEqual(SAMPLE_METRICS.map((m) => m.name), ["fid", "digits", "mode-coverage"]);
    assert.equal(findSampleMetric("modes"), findSampleMetric("mode-coverage"));
    assert.equal(findSampleMetric("modes")!.kind, "points");
    assert.equal(findSampleMetric("fid")!.kind, "images");
    assert.equal(findSampleMetric("iwae"), undefined);
    assert.equal(sampleMetricNames(), "fid, digits, mode-coverage (or modes)");
  });
});
