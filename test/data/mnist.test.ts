import assert from "node:assert/strict";
import { test } from "node:test";
import { BatchIterator, dynamicBinarize, loadDataset, measureMnistThroughput, mnist } from "../../src/data/index.js";

test("MNIST train: 60000 × [1,28,28] in [0,1], labels 0..9, first label 5", () => {
  const src = mnist({ split: "train" });
  assert.equal(src.n, 60000);
  assert.deepEqual(src.exampleShape, [1, 28, 28]);
  assert.equal(src.numClasses, 10);
  const idx = Int32Array.from([0, 1, 59999]);
  const x = new Float32Array(3 * 784);
  const labels = new Int32Array(3);
  src.read(idx, x, labels);
  assert.equal(labels[0], 5);
  assert.equal(labels[1], 0);
  let min = Infinity, max = -Infinity;
  for (const v of x) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  assert.equal(min, 0);
  assert.equal(max, 1);
  // Mean pixel intensity of MNIST train is ≈ 0.1307.
  const all = new Float32Array(1000 * 784);
  src.read(Int32Array.from({ length: 1000 }, (_, i) => i * 60), all);
  const mean = all.reduce((a, b) => a + b, 0) / all.length;
  assert.ok(Math.abs(mean - 0.1307) < 0.01, `mean ${mean}`);
  assert.equal(mnist({ split: "train" }), src, "loaded once per process");
});

test("MNIST test: 10000 examples, first label 7, all labels 0..9 with every class present", () => {
  const src = loadDataset("mnist:test");
  assert.equal(src.n, 10000);
  assert.deepEqual(src.exampleShape, [1, 28, 28]);
  const labels = new Int32Array(src.n);
  src.read(Int32Array.from({ length: src.n }, (_, i) => i), new Float32Array(src.n * 784), labels);
  assert.equal(labels[0], 7);
  const counts = new Array(10).fill(0);
  for (const l of labels) {
    assert.ok(l >= 0 && l <= 9);
    counts[l]++;
  }
  assert.ok(counts.every((c) => c > 800), `class counts ${counts}`);
  assert.equal(loadDataset("mnist").n, 60000);
  assert.equal(loadDataset("mnist?split=test").n, 10000);
});

test("MNIST batches with dynamic binarization are binary, and throughput is reported", async () => {
  const it = new BatchIterator(mnist(), { batchSize: 128, seed: 3, transforms: [dynamicBinarize()] });
  const b = await it.next();
  assert.deepEqual(b.shape, [128, 1, 28, 28]);
  assert.ok(b.x.every((v) => v === 0 || v === 1));
  assert.equal(it.epochLength, 469);
  const r = await measureMnistThroughput(300);
  console.log(`# MNIST train, batch 128, dynamic binarization: ${r.batchesPerSecond.toFixed(0)} batches/s`);
  assert.ok(r.batchesPerSecond > 50, `${r.batchesPerSecond} batches/s`);
});
