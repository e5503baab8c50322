// Eikon's MNIST feature net and the metrics on it: the cached classifier reaches ≥ 99 % test
// accuracy (it is trained on first use, ≈ 1–2 minutes on two cores, then loaded from the user's
// cache); FID separates real digits from noise and from a single digit; the label histogram sees
// all ten digits in real data; .npy samples (the PyTorch peer's format) score like in-memory ones.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import * as E from "../../../src/engine/index.js";
import { mnist } from "../../../src/data/index.js";
import { encodeNpy } from "../../../src/io/index.js";
import { writeFileSync } from "node:fs";
import { cacheDir, classifierPath, digits, fid, mnistClassifier, mnistReferenceStats, samplesFromNpy, testAccuracy, type FeatureStats, type MnistClassifier } from "../../../src/metrics/gan/index.js";

let classifier: MnistClassifier;
let reference: FeatureStats;
const dir = mkdtempSync(join(tmpdir(), "eikon-gan-metrics-"));

function trainImages(n: number, offset = 0): { x: Float32Array; labels: Int32Array } {
  const src = mnist({ split: "train" });
  const x = new Float32Array(n * 784);
  const labels = new Int32Array(n);
  src.read(Int32Array.from({ length: n }, (_, i) => i + offset), x, labels);
  return { x, labels };
}

describe("the MNIST feature net", { timeout: 900_000 }, () => {
  before(async () => {
    classifier = await mnistClassifier({ log: (m) => console.error(m) });
    reference = await mnistReferenceStats(classifier);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("is cached under $XDG_CACHE_HOME/eikon (else ~/.cache/eikon) and has test accuracy ≥ 99 %", async () => {
    assert.equal(cacheDir({ XDG_CACHE_HOME: "/data/cache", HOME: "/home/u" }), "/data/cache/eikon");
    assert.equal(cacheDir({ HOME: "/home/u" }), "/home/u/.cache/eikon");
    assert.ok(classifierPath().startsWith(cacheDir()));
    const acc = await testAccuracy(classifier);
    assert.ok(acc >= 0.99, `test accuracy ${acc}`);
  });

  it("FID: real digits score low; noise and a single digit score high", async () => {
    const { x, labels } = trainImages(2000);
    const real = await fid({ x, shape: [2000, 1, 28, 28], range: "unit" }, { classifier, reference });
    assert.equal(real.n, 2000);
    assert.ok(real.value < 20, `FID of 2000 training images ${real.value}`);
    const noise = await fid({ x: new E.Rng(0).fillUniform(new Float32Array(500 * 784)), shape: [500, 784], range: "unit" }, { classifier, reference });
    assert.ok(noise.value > 300, `FID of noise ${noise.value}`);
    const ones = [...labels.keys()].filter((i) => labels[i] === 1);
    const xo = new Float32Array(ones.length * 784);
    ones.forEach((j, k) => xo.set(x.subarray(j * 784, (j + 1) * 784), k * 784));
    const single = await fid({ x: xo, shape: [ones.length, 28, 28], range: "unit" }, { classifier, reference });
    assert.ok(single.value > 300, `FID of one digit ${single.value}`);
    const d = await digits({ x: xo, shape: [ones.length, 28, 28], range: "unit" }, { classifier });
    assert.equal(d.value, 1);
    assert.ok(d.details.share1 > 0.95);
  });

  it("digits: real data covers all ten with near-uniform shares; [−1, 1] samples are mapped to [0, 1]", async () => {
    const { x } = trainImages(1000, 5000);
    const d = await digits({ x, shape: [1000, 784], range: "unit" }, { classifier });
    assert.equal(d.value, 10);
    assert.ok(d.details.klToUniform < 0.02, `KL ${d.details.klToUniform}`);
    const sym = await digits({ x: x.map((v) => 2 * v - 1), shape: [1000, 784], range: "symmetric" }, { classifier });
    assert.deepEqual(sym.details, d.details);
  });

  it("samples from .npy files (float32 in [0, 1] as the peer saves them, or uint8) score as in memory", async () => {
    const { x } = trainImages(300, 1000);
    const direct = await fid({ x, shape: [300, 28, 28], range: "unit" }, { classifier, reference });
    const f32 = join(dir, "samples.npy");
    writeFileSync(f32, encodeNpy(x, [300, 28, 28]));
    const loaded = samplesFromNpy(f32);
    assert.deepEqual(loaded.shape, [300, 28, 28]);
    assert.equal((await fid(loaded, { classifier, reference })).value, direct.value);
    const u8 = join(dir, "samples-u8.npy");
    writeFileSync(u8, encodeNpy(Uint8Array.from(x, (v) => Math.round(v * 255)), [300, 28, 28]));
    const bytes = await fid(samplesFromNpy(u8), { classifier, reference });
    assert.ok(Math.abs(bytes.value - direct.value) < 1e-3 * (1 + direct.value), `${bytes.value} vs ${direct.value}`);
    assert.throws(() => samplesFromNpy(join(dir, "missing.npy")));
  });
});
