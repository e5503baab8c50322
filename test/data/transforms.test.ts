import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../../src/engine/random.js";
import {
  applyTransform,
  ArraySource,
  BatchIterator,
  bitsPerDim,
  dequantize,
  dynamicBinarize,
  fillRandomUint32,
  logitInverse,
  logitTransform,
  oneHot,
  randomHorizontalFlip,
  rescale,
  staticBinarize,
  toSymmetricRange,
  toUnitRange,
  type Batch,
} from "../../src/data/index.js";
import { assertDataError } from "./helpers.js";

function batchOf(values: number[], shape: number[], indices?: number[], labels?: number[]): Batch {
  const b: Batch = { x: Float32Array.from(values), shape, indices: Int32Array.from(indices ?? Array.from({ length: shape[0] }, (_, i) => i)) };
  if (labels) b.labels = Int32Array.from(labels);
  return b;
}

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-6) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol, `element ${i}: ${a[i]} vs ${b[i]}`);
};

test("rescale: [0,1] → [−1,1] and back, arbitrary ranges", () => {
  const rng = new Rng(0);
  const b = batchOf([0, 0.25, 1], [1, 3]);
  applyTransform(toSymmetricRange(), b, rng);
  close(b.x, [-1, -0.5, 1]);
  applyTransform(toUnitRange(), b, rng);
  close(b.x, [0, 0.25, 1]);
  close(rescale([0, 1], [10, 20]).apply(batchOf([10, 15, 20], [1, 3]), rng).x, [0, 0.5, 1]);
  assert.throws(() => rescale([0, 1], [1, 1]), /bad ranges/);
});

test("static binarization: threshold, and seeded per-example sampling that is fixed across draws", () => {
  const rng = new Rng(0);
  close(staticBinarize().apply(batchOf([0.2, 0.5, 0.51, 1], [1, 4]), rng).x, [0, 0, 1, 1]);
  close(staticBinarize({ threshold: 0.1 }).apply(batchOf([0.05, 0.2], [1, 2]), rng).x, [0, 1]);

  const d = 2000;
  const gray = new Array(3 * d).fill(0.3);
  const t = staticBinarize({ seed: 11 });
  const first = t.apply(batchOf(gray, [3, d], [5, 6, 7]), rng).x;
  assert.ok(first.every((v) => v === 0 || v === 1));
  const mean = first.reduce((a, b) => a + b, 0) / first.length;
  assert.ok(Math.abs(mean - 0.3) < 0.02, `mean ${mean}`);
  // Example 6 drawn again in another batch position (and with another rng) gets the same bits.
  const again = t.apply(batchOf(gray.slice(0, d), [1, d], [6]), new Rng(99)).x;
  assert.deepEqual([...again], [...first.subarray(d, 2 * d)]);
  assert.notDeepEqual([...first.subarray(0, d)], [...first.subarray(d, 2 * d)], "examples differ");
  const other = staticBinarize({ seed: 12 }).apply(batchOf(gray.slice(0, d), [1, d], [6]), rng).x;
  assert.notDeepEqual([...other], [...again], "seed matters");
  close(staticBinarize({ seed: 1 }).apply(batchOf([0, 1, 0, 1], [1, 4]), rng).x, [0, 1, 0, 1]);
});

test("dynamic binarization: Bernoulli(x) per pixel, fresh per batch, reproducible from the Rng", () => {
  const d = 20000;
  const t = dynamicBinarize();
  const rng = new Rng(5);
  const values = Array.from({ length: d }, (_, i) => [0, 1, 0.25, 0.75][i % 4]);
  const a = t.apply(batchOf(values, [1, d]), rng).x;
  const b = t.apply(batchOf(values, [1, d]), rng).x;
  assert.notDeepEqual([...a], [...b], "a new sample each batch");
  for (const [k, p] of [[0, 0], [1, 1], [2, 0.25], [3, 0.75]] as const) {
    let s = 0;
    for (let i = k; i < d; i += 4) s += a[i];
    assert.ok(Math.abs(s / (d / 4) - p) < 0.02, `p=${p}: ${s / (d / 4)}`);
  }
  assert.deepEqual(t.apply(batchOf(values, [1, d]), new Rng(5)).x, a, "same Rng state, same sample");
  // The inlined stream is fillRandomUint32's: pixel i is 1 iff word i < x·2^32.
  const words = fillRandomUint32(new Rng(5), new Uint32Array(d));
  for (let i = 0; i < d; i++) assert.equal(a[i], words[i] < values[i] * 2 ** 32 ? 1 : 0);
  // Four host draws per batch, whatever its size.
  const r1 = new Rng(8), r2 = new Rng(8);
  t.apply(batchOf(values, [1, d]), r1);
  for (let i = 0; i < 4; i++) r2.nextUint32();
  assert.deepEqual(r1.getState(), r2.getState());
  // Uniformity of the words: mean ≈ 2^31, and all 16 high nibbles present evenly.
  const counts = new Array(16).fill(0);
  for (const w of words) counts[w >>> 28]++;
  assert.ok(counts.every((c) => Math.abs(c - d / 16) < 0.1 * (d / 16)), `nibbles ${counts}`);
});

test("dequantization: (x·255 + u)/256 stays in the pixel's bin", () => {
  const values = [0, 1 / 255, 128 / 255, 1];
  const rng = new Rng(3);
  const y = dequantize().apply(batchOf(values, [1, 4]), rng).x;
  values.forEach((v, i) => {
    const k = Math.round(v * 255);
    assert.ok(y[i] >= k / 256 && y[i] < (k + 1) / 256, `${y[i]} not in bin ${k}`);
  });
  const y2 = dequantize().apply(batchOf(values, [1, 4]), rng).x;
  assert.notDeepEqual([...y2], [...y]);
});

test("logit transform: values, per-example log-det (checked by finite differences), inverse, bits/dim", () => {
  const alpha = 0.05;
  const x = [0.1, 0.5, 0.9, 0.3, 0.7, 0.2];
  const b = logitTransform({ alpha }).apply(batchOf(x, [2, 3]), new Rng(0));
  const logit = (v: number) => Math.log(v / (1 - v));
  close(b.x, x.map((v) => logit(alpha + (1 - 2 * alpha) * v)), 1e-5);
  assert.equal(b.logDet!.length, 2);
  for (let e = 0; e < 2; e++) {
    let fd = 0;
    for (let j = 0; j < 3; j++) {
      const v = x[3 * e + j], h = 1e-6;
      const f = (u: number) => logit(alpha + (1 - 2 * alpha) * u);
      fd += Math.log((f(v + h) - f(v - h)) / (2 * h));
    }
    assert.ok(Math.abs(b.logDet![e] - fd) < 1e-5, `logDet ${b.logDet![e]} vs ${fd}`);
  }
  close(logitInverse(b.x, { alpha }), x, 1e-6);
  // Log-dets accumulate across transforms.
  const twice = logitTransform({ alpha: 0.1 }).apply(logitTransform({ alpha }).apply(batchOf([0.5], [1, 1]), new Rng(0)), new Rng(0));
  assert.ok(twice.logDet![0] !== b.logDet![0]);
  // A uniform model on [0,1]^D (log p = 0, no logit) costs exactly 8 bits per dimension.
  assert.ok(Math.abs(bitsPerDim(0, 0, 784) - 8) < 1e-12);
  assert.throws(() => logitTransform({ alpha: 0.5 }), /alpha/);
});

test("one-hot labels and random horizontal flips", async () => {
  const rng = new Rng(1);
  const b = oneHot(3).apply(batchOf([0, 0], [2, 1], [0, 1], [2, 0]), rng);
  assert.deepEqual([...b.oneHot!], [0, 0, 1, 1, 0, 0]);
  await assertDataError(() => oneHot(3).apply(batchOf([0], [1, 1]), rng), "no labels");
  await assertDataError(() => oneHot(2).apply(batchOf([0], [1, 1], [0], [2]), rng), "label 2 is outside 0..1");

  // 200 examples [1, 2, 3]: each either unchanged or each row reversed; about half flipped.
  const n = 200;
  const img = [1, 2, 3, 4, 5, 6];
  const fb = randomHorizontalFlip().apply(batchOf(new Array(n).fill(img).flat(), [n, 1, 2, 3]), rng);
  let flipped = 0;
  for (let e = 0; e < n; e++) {
    const got = [...fb.x.subarray(6 * e, 6 * e + 6)];
    if (got.join() === "3,2,1,6,5,4") flipped++;
    else assert.deepEqual(got, img);
  }
  assert.ok(flipped > 70 && flipped < 130, `${flipped} flipped`);
  assert.deepEqual([...randomHorizontalFlip(1).apply(batchOf([1, 2, 3, 4], [1, 2, 2]), rng).x], [2, 1, 4, 3]);
  await assertDataError(() => randomHorizontalFlip().apply(batchOf([1, 2], [1, 2]), rng), "needs image batches");
});

test("transforms run in order inside the iterator", async () => {
  const src = new ArraySource(Uint8Array.from([0, 255, 255, 0]), [1, 2, 2], { labels: Int32Array.from([1]) });
  const it = new BatchIterator(src, { batchSize: 1, transforms: [staticBinarize(), toSymmetricRange(), oneHot(2)] });
  const b = await it.next();
  assert.deepEqual([...b.x], [-1, 1, 1, -1]);
  assert.deepEqual([...b.oneHot!], [0, 1]);
});
