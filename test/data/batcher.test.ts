import assert from "node:assert/strict";
import { test } from "node:test";
import { ArraySource, BatchIterator, DataError, dynamicBinarize, splitTrainValidation, subset, type Batch, type DataSource } from "../../src/data/index.js";
import { assertDataError } from "./helpers.js";

/** n examples of shape [2]: example i is (i, -i), label i % 3. */
function counting(n: number): ArraySource {
  const x = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    x[2 * i] = i;
    x[2 * i + 1] = -i;
  }
  return new ArraySource(x, [2], { name: "counting", labels: Int32Array.from({ length: n }, (_, i) => i % 3) });
}

const ids = (b: Batch) => [...b.indices];

test("batches: shape, labels match examples, every example once per epoch, dropLast", async () => {
  const src = counting(10);
  const it = new BatchIterator(src, { batchSize: 4, seed: 1 });
  assert.equal(it.epochLength, 3);
  const seen: number[] = [];
  const sizes: number[] = [];
  for (let k = 0; k < 3; k++) {
    assert.equal(it.epoch, 0);
    const b = await it.next();
    sizes.push(b.shape[0]);
    assert.deepEqual(b.shape.slice(1), [2]);
    for (let j = 0; j < b.shape[0]; j++) {
      assert.equal(b.x[2 * j], b.indices[j]);
      assert.equal(b.x[2 * j + 1], -b.indices[j]);
      assert.equal(b.labels![j], b.indices[j] % 3);
    }
    seen.push(...ids(b));
  }
  assert.deepEqual(sizes, [4, 4, 2]);
  assert.deepEqual([...seen].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.notDeepEqual(seen, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], "shuffled");
  assert.equal(it.epoch, 1);
  assert.equal(it.index, 0);
  const next = await it.next();
  assert.equal(next.shape[0], 4);

  const dl = new BatchIterator(src, { batchSize: 4, dropLast: true, seed: 1 });
  assert.equal(dl.epochLength, 2);
  for (let k = 0; k < 6; k++) assert.equal((await dl.next()).shape[0], 4);
  assert.equal(dl.epoch, 3);
  await assertDataError(() => new BatchIterator(counting(3), { batchSize: 4, dropLast: true }), "3 examples give no batch of 4", "smaller batchSize");
});

test("shuffling: determined by the seed, different per epoch, off when shuffle is false", async () => {
  const src = counting(50);
  const run = async (seed: number, k: number, shuffle = true) => {
    const it = new BatchIterator(src, { batchSize: 10, seed, shuffle });
    const out: number[][] = [];
    for (let i = 0; i < k; i++) out.push(ids(await it.next()));
    return out;
  };
  const a = await run(42, 10), b = await run(42, 10), c = await run(43, 10);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.notDeepEqual(a.slice(0, 5), a.slice(5, 10), "a new permutation each epoch");
  const ordered = await run(42, 6, false);
  assert.deepEqual(ordered[0], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(ordered[5], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

test("resumable: N batches, save state, M more; a fresh iterator restored from the state gives the same M", async () => {
  const src = counting(23);
  // Random transforms too, so the transform Rng must be restored as well.
  const options = { batchSize: 5, seed: 7, transforms: [(b: Batch, rng: { uniform(): number }) => ((b.x[0] += rng.uniform()), b)] };
  for (const [N, M, prefetch] of [[3, 9, 1], [5, 7, 0], [0, 4, 3], [4, 10, 2]] as const) {
    const it = new BatchIterator(src, { ...options, prefetch });
    for (let k = 0; k < N; k++) await it.next();
    const saved = JSON.parse(JSON.stringify(it.getState())); // as through a checkpoint file
    const expected: Batch[] = [];
    for (let k = 0; k < M; k++) expected.push(await it.next());
    const resumed = new BatchIterator(src, { ...options, seed: 999, prefetch: 1 - Math.min(1, prefetch) });
    await resumed.next(); // even after drawing from it
    resumed.setState(saved);
    assert.equal(resumed.epoch, saved.epoch);
    for (let k = 0; k < M; k++) {
      const b = await resumed.next();
      assert.deepEqual(b.indices, expected[k].indices, `N=${N}: batch ${k} indices`);
      assert.deepEqual(b.x, expected[k].x, `N=${N}: batch ${k} data`);
    }
  }
  const it = new BatchIterator(src, { batchSize: 5 });
  const state = it.getState();
  await assertDataError(() => new BatchIterator(counting(24), { batchSize: 5 }).setState(state), "saved for 23 examples in batches of 5", "24 examples");
});

test("prefetching does not change the batches; a failing read is reported and retried", async () => {
  const src = counting(30);
  const collect = async (prefetch: number) => {
    const it = new BatchIterator(src, { batchSize: 7, seed: 3, prefetch, transforms: [dynamicBinarize()] });
    const out: Batch[] = [];
    for (let i = 0; i < 12; i++) out.push(await it.next());
    return out;
  };
  const [p0, p3] = [await collect(0), await collect(3)];
  for (let i = 0; i < 12; i++) {
    assert.deepEqual(p3[i].indices, p0[i].indices);
    assert.deepEqual(p3[i].x, p0[i].x);
  }
  // Concurrent next() calls are served in order.
  const it = new BatchIterator(src, { batchSize: 7, seed: 3, prefetch: 0, transforms: [dynamicBinarize()] });
  const concurrent = await Promise.all([it.next(), it.next(), it.next()]);
  for (let i = 0; i < 3; i++) assert.deepEqual(concurrent[i].x, p0[i].x);

  // An async source that fails once on its third read.
  let reads = 0;
  const flaky: DataSource = {
    name: "flaky",
    n: 30,
    exampleShape: [2],
    async read(indices, out) {
      if (++reads === 3) throw new DataError("flaky: transient failure");
      src.read(indices, out);
    },
  };
  const fi = new BatchIterator(flaky, { batchSize: 7, seed: 3, prefetch: 2, transforms: [dynamicBinarize()] });
  const got = [await fi.next(), await fi.next()];
  await assert.rejects(fi.next(), /transient failure/);
  got.push(await fi.next(), await fi.next());
  for (let i = 0; i < 4; i++) assert.deepEqual(got[i].x, p0[i].x, `batch ${i} after the retry`);
});

test("setState while a batch of an async source is in flight abandons it and follows the new state", async () => {
  const src = counting(20);
  const slow: DataSource = {
    name: "slow",
    n: 20,
    exampleShape: [2],
    async read(indices, out) {
      await new Promise((r) => setTimeout(r, 5));
      src.read(indices, out);
    },
  };
  const ref = new BatchIterator(slow, { batchSize: 4, seed: 2 });
  await ref.next();
  const state = ref.getState();
  const expected = [await ref.next(), await ref.next()];
  const it = new BatchIterator(slow, { batchSize: 4, seed: 2, prefetch: 2 });
  const pending = it.next();
  it.setState(state);
  await assert.rejects(pending, /iterator was reset/);
  for (const e of expected) assert.deepEqual((await it.next()).indices, e.indices);
});

test("epochBatches yields the rest of an epoch; async iteration runs on", async () => {
  const it = new BatchIterator(counting(10), { batchSize: 3, seed: 0 });
  await it.next();
  let count = 0;
  for await (const b of it.epochBatches()) count += b.shape[0];
  assert.equal(count, 7);
  assert.equal(it.epoch, 1);
  let k = 0;
  for await (const b of it) {
    assert.ok(b.shape[0] > 0);
    if (++k === 8) break;
  }
  assert.equal(it.epoch, 3);
});

test("train/validation split: disjoint, covering, seeded, readable through the batcher", async () => {
  const src = counting(100);
  const { train, validation } = splitTrainValidation(src, 0.2, 5);
  assert.equal(validation.n, 20);
  assert.equal(train.n, 80);
  const all = new Set([...train.indices, ...validation.indices]);
  assert.equal(all.size, 100);
  assert.deepEqual(splitTrainValidation(src, 0.2, 5).validation.indices, validation.indices);
  assert.notDeepEqual(splitTrainValidation(src, 0.2, 6).validation.indices, validation.indices);
  assert.equal(validation.numClasses, 3);
  const x = new Float32Array(4);
  const labels = new Int32Array(2);
  validation.read(Int32Array.from([0, 19]), x, labels);
  assert.equal(x[0], validation.indices[0]);
  assert.equal(x[2], validation.indices[19]);
  assert.equal(labels[1], validation.indices[19] % 3);
  const it = new BatchIterator(train, { batchSize: 16, seed: 1 });
  const seen = new Set<number>();
  for (let k = 0; k < it.epochLength; k++) for (const v of (await it.next()).x.filter((_, i) => i % 2 === 0)) seen.add(v);
  assert.deepEqual([...seen].sort((a, b) => a - b), [...train.indices]);
  assert.deepEqual([...subset(src, [5, 2]).indices], [5, 2]);
  await assertDataError(() => splitTrainValidation(src, 1.5), "fraction must be in (0, 1)");
});
