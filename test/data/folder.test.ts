import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { BatchIterator, imageFolder, loadDataset, randomHorizontalFlip } from "../../src/data/index.js";
import { assertDataError, tempDir, writePng } from "./helpers.js";

const ramp = (x: number, y: number) => 10 * x + 40 * y; // linear, so bilinear resampling is exact

async function readAll(src: { n: number; exampleShape: readonly number[]; read(i: Int32Array, o: Float32Array, l?: Int32Array): void | Promise<void> }) {
  const d = src.exampleShape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(src.n * d);
  const labels = new Int32Array(src.n);
  await src.read(Int32Array.from({ length: src.n }, (_, i) => i), x, labels);
  return { x, labels, bytes: [...x].map((v) => Math.round(v * 255)) };
}

test("folder: classes from sorted sub-folder names, grayscale values in [0,1]", async () => {
  const root = tempDir();
  writePng(join(root, "dog", "c.png"), 4, 4, () => 200);
  writePng(join(root, "cat", "b.png"), 4, 4, (x, y) => ramp(x, y));
  writePng(join(root, "cat", "a.png"), 4, 4, () => 0);
  writeFileSync(join(root, "cat", "notes.txt"), "ignored");
  const src = imageFolder(root);
  assert.equal(src.n, 3);
  assert.deepEqual(src.exampleShape, [1, 4, 4]);
  assert.deepEqual(src.classNames, ["cat", "dog"]);
  assert.equal(src.numClasses, 2);
  assert.equal(src.streaming, false);
  const { labels, bytes, x } = await readAll(src);
  assert.deepEqual([...labels], [0, 0, 1]);
  assert.deepEqual(bytes.slice(0, 16), new Array(16).fill(0)); // cat/a.png first
  assert.deepEqual(bytes.slice(16, 32), Array.from({ length: 16 }, (_, i) => ramp(i % 4, Math.floor(i / 4))));
  assert.ok(x.every((v) => v >= 0 && v <= 1));
});

test("folder: RGB vs grayscale, unlabeled root, registry spec", async () => {
  const root = tempDir();
  writePng(join(root, "a.png"), 2, 1, (x) => (x === 0 ? [255, 0, 0] : [0, 0, 255]), true);
  const rgb = imageFolder(root);
  assert.deepEqual(rgb.exampleShape, [3, 1, 2]);
  assert.equal(rgb.numClasses, undefined);
  assert.deepEqual((await readAll(rgb)).bytes, [255, 0, 0, 0, 0, 255]); // planes R, G, B
  const gray = loadDataset(`folder:${root}?channels=1`);
  assert.deepEqual(gray.exampleShape, [1, 1, 2]);
  assert.deepEqual((await readAll(gray)).bytes, [Math.round(0.299 * 255), Math.round(0.114 * 255)]);
});

test("folder: resize (nearest, bilinear), center crop and stretch", async () => {
  const root = tempDir();
  writePng(join(root, "k", "sq.png"), 4, 4, ramp);
  const nearest = imageFolder(root, { size: 2, resize: "nearest" });
  assert.deepEqual(nearest.exampleShape, [1, 2, 2]);
  assert.deepEqual((await readAll(nearest)).bytes, [ramp(1, 1), ramp(3, 1), ramp(1, 3), ramp(3, 3)]);
  const bilinear = imageFolder(root, { size: 2 });
  assert.deepEqual((await readAll(bilinear)).bytes, [ramp(0.5, 0.5), ramp(2.5, 0.5), ramp(0.5, 2.5), ramp(2.5, 2.5)]);
  const up = imageFolder(root, { size: 8 });
  // Upsampling: output pixel j samples source coordinate (j + 0.5)/2 - 0.5, clamped at the border.
  const upBytes = (await readAll(up)).bytes;
  assert.equal(upBytes[0], ramp(0, 0));
  assert.equal(upBytes[1 * 8 + 3], Math.round(ramp(1.25, 0.25)));

  const wide = tempDir();
  writePng(join(wide, "k", "w.png"), 8, 4, (x, y) => 10 * x + 40 * y);
  const cropped = imageFolder(wide, { size: 4 }); // centre 4×4 window: columns 2..5, exact copy
  assert.deepEqual((await readAll(cropped)).bytes, Array.from({ length: 16 }, (_, i) => 10 * ((i % 4) + 2) + 40 * Math.floor(i / 4)));
  const stretched = imageFolder(wide, { size: [4, 4], crop: "none", resize: "nearest" }); // columns 0,2,4,6
  assert.deepEqual((await readAll(stretched)).bytes, Array.from({ length: 16 }, (_, i) => 10 * (2 * (i % 4) + 1) + 40 * Math.floor(i / 4)));
});

test("folder: streaming reads files per batch and matches the in-memory source", async () => {
  const root = tempDir();
  for (let k = 0; k < 3; k++) for (let i = 0; i < 7; i++) writePng(join(root, `class${k}`, `img${i}.png`), 6 + k, 5, (x, y) => (x * 20 + y * 7 + i * 3 + k * 50) % 256);
  const eager = imageFolder(root, { size: 4, stream: false });
  const streamed = imageFolder(root, { size: 4, stream: true, concurrency: 4 });
  assert.equal(streamed.streaming, true);
  const auto = imageFolder(root, { size: 4, maxInMemoryBytes: 100 });
  assert.equal(auto.streaming, true, "auto streams above the memory threshold");
  const idx = Int32Array.from([20, 0, 7, 13]);
  const a = new Float32Array(4 * 16), b = new Float32Array(4 * 16);
  const la = new Int32Array(4), lb = new Int32Array(4);
  eager.read(idx, a, la);
  const pending = streamed.read(idx, b, lb);
  assert.ok(pending instanceof Promise);
  await pending;
  assert.deepEqual(b, a);
  assert.deepEqual([...lb], [2, 0, 1, 1]);
  assert.deepEqual(lb, la);
  // Through the batcher (with a transform), the two give identical batches.
  const opts = { batchSize: 5, seed: 9, transforms: [randomHorizontalFlip()] };
  const ie = new BatchIterator(eager, opts), is = new BatchIterator(streamed, opts);
  for (let k = 0; k < 6; k++) {
    const [be, bs] = [await ie.next(), await is.next()];
    assert.deepEqual(bs.x, be.x);
    assert.deepEqual(bs.labels, be.labels);
  }
});

test("folder bad input: differing sizes (in memory and streamed), empty folder, empty class, broken PNG, missing folder", async () => {
  const root = tempDir();
  writePng(join(root, "a", "1.png"), 4, 4, () => 1);
  writePng(join(root, "a", "2.png"), 5, 4, () => 1);
  await assertDataError(() => imageFolder(root), join(root, "a", "2.png"), "is 5×4 but", "1.png is 4×4", "size");
  const streamed = imageFolder(root, { stream: true });
  await assertDataError(() => streamed.read(Int32Array.from([1]), new Float32Array(16)), join(root, "a", "2.png"), "is 5×4");
  assert.deepEqual(imageFolder(root, { size: 4 }).exampleShape, [1, 4, 4], "a size fixes it");

  const empty = tempDir();
  await assertDataError(() => imageFolder(empty), empty, "empty folder", "<root>/<class>/*.png");
  const emptyClass = tempDir();
  writePng(join(emptyClass, "a", "1.png"), 2, 2, () => 0);
  mkdirSync(join(emptyClass, "b"));
  await assertDataError(() => imageFolder(emptyClass), join(emptyClass, "b"), 'class folder "b" contains no .png images');
  const broken = tempDir();
  writePng(join(broken, "a", "1.png"), 2, 2, () => 0);
  writeFileSync(join(broken, "a", "2.png"), "not a png");
  await assertDataError(() => imageFolder(broken), join(broken, "a", "2.png"), "not a valid PNG");
  await assertDataError(() => imageFolder(join(root, "nope")), join(root, "nope"), "not found");
  await assertDataError(() => loadDataset(`folder:${root}?size=big`), "size=big must be N or HxW");
});
