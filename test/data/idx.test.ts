import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { gzipSync } from "node:zlib";
import { encodeIdx, findIdxFiles, idx, loadDataset, parseIdx } from "../../src/data/index.js";
import { assertDataError, tempDir } from "./helpers.js";

const N = 5, H = 4, W = 3;
const pixels = Uint8Array.from({ length: N * H * W }, (_, i) => (i * 37) % 256);
const labelBytes = Uint8Array.from([3, 1, 4, 1, 5]);

function readAll(src: ReturnType<typeof idx>) {
  const x = new Float32Array(src.n * H * W);
  const labels = new Int32Array(src.n);
  src.read(Int32Array.from({ length: src.n }, (_, i) => i), x, labels);
  return { x, labels };
}

test("IDX round trip: raw files found in a directory by name", () => {
  const dir = tempDir();
  writeFileSync(join(dir, "train-images-idx3-ubyte"), encodeIdx([N, H, W], pixels));
  writeFileSync(join(dir, "train-labels-idx1-ubyte"), encodeIdx([N], labelBytes));
  const src = idx({ dir });
  assert.equal(src.n, N);
  assert.deepEqual(src.exampleShape, [1, H, W]);
  assert.equal(src.numClasses, 6);
  const { x, labels } = readAll(src);
  assert.deepEqual([...labels], [3, 1, 4, 1, 5]);
  for (let i = 0; i < x.length; i++) assert.ok(Math.abs(x[i] - pixels[i] / 255) < 1e-7);
});

test("IDX round trip: gzip files (t10k naming for the test split), and explicit paths", async () => {
  const dir = tempDir();
  writeFileSync(join(dir, "t10k-images-idx3-ubyte.gz"), gzipSync(encodeIdx([N, H, W], pixels)));
  writeFileSync(join(dir, "t10k-labels-idx1-ubyte.gz"), gzipSync(encodeIdx([N], labelBytes)));
  const src = loadDataset(`idx:${dir}?split=test`);
  assert.equal(src.n, N);
  const x = new Float32Array(2 * H * W);
  const labels = new Int32Array(2);
  src.read(Int32Array.from([4, 0]), x, labels);
  assert.deepEqual([...labels], [5, 3]);
  assert.ok(Math.abs(x[0] - pixels[4 * H * W] / 255) < 1e-7);
  const explicit = idx({ images: join(dir, "t10k-images-idx3-ubyte.gz"), labels: join(dir, "t10k-labels-idx1-ubyte.gz") });
  assert.deepEqual([...readAll(explicit).labels], [3, 1, 4, 1, 5]);
  // Images without labels: an unlabeled source.
  const unlabeled = idx({ images: join(dir, "t10k-images-idx3-ubyte.gz") });
  assert.equal(unlabeled.numClasses, undefined);
  // No train files in that folder.
  await assertDataError(() => idx({ dir, split: "train" }), dir, "no IDX files for the train split", "train-images-idx3-ubyte");
});

test("IDX: EMNIST-style prefixes, choosing one, and transposed images", async () => {
  const dir = tempDir();
  for (const pre of ["emnist-letters", "emnist-digits"]) {
    writeFileSync(join(dir, `${pre}-test-images-idx3-ubyte.gz`), gzipSync(encodeIdx([N, H, W], pixels)));
    writeFileSync(join(dir, `${pre}-test-labels-idx1-ubyte.gz`), gzipSync(encodeIdx([N], labelBytes)));
  }
  await assertDataError(() => findIdxFiles(dir, "test"), "several IDX datasets", '"emnist-digits"', "prefix");
  const files = findIdxFiles(dir, "test", "emnist-letters");
  assert.match(files.images, /emnist-letters-test-images-idx3-ubyte\.gz$/);
  const t = loadDataset(`idx:${dir}?split=test&prefix=emnist-letters&transpose=1`);
  assert.deepEqual(t.exampleShape, [1, W, H]);
  const x = new Float32Array(W * H);
  t.read(Int32Array.from([0]), x);
  // Transposed: out[c][r] = in[r][c].
  for (let r = 0; r < H; r++) for (let c = 0; c < W; c++) assert.ok(Math.abs(x[c * H + r] - pixels[r * W + c] / 255) < 1e-7);
});

test("IDX bad input: missing file, wrong magic, truncated, count mismatch, swapped files, trailing bytes", async () => {
  const dir = tempDir();
  const img = join(dir, "img.idx"), lab = join(dir, "lab.idx");
  writeFileSync(img, encodeIdx([N, H, W], pixels));
  writeFileSync(lab, encodeIdx([N], labelBytes));

  await assertDataError(() => idx({ images: join(dir, "nope-idx3-ubyte") }), join(dir, "nope-idx3-ubyte"), "not found");

  const badMagic = join(dir, "bad-magic");
  const b = encodeIdx([N, H, W], pixels);
  b[0] = 0x12;
  writeFileSync(badMagic, b);
  await assertDataError(() => idx({ images: badMagic }), badMagic, "wrong magic number 0x12000803", "expected 0x00000803");

  const truncated = join(dir, "truncated");
  writeFileSync(truncated, encodeIdx([N, H, W], pixels).subarray(0, 16 + 20));
  await assertDataError(() => idx({ images: truncated }), truncated, "truncated", "need 60 data bytes but the file has 20", "Download the file again");

  const shortHeader = join(dir, "short");
  writeFileSync(shortHeader, Buffer.from([0, 0, 8, 3, 0, 0]));
  await assertDataError(() => idx({ images: shortHeader }), shortHeader, "too short for an IDX header");

  const fewLabels = join(dir, "few-labels");
  writeFileSync(fewLabels, encodeIdx([N - 1], labelBytes.subarray(0, N - 1)));
  await assertDataError(() => idx({ images: img, labels: fewLabels }), fewLabels, "label/image count mismatch: 4 labels", "has 5 images");

  await assertDataError(() => idx({ images: lab, labels: img }), lab, "1 dimension(s)", "looks like a labels file", "swapped");

  const trailing = join(dir, "trailing");
  writeFileSync(trailing, Buffer.concat([encodeIdx([N], labelBytes), Buffer.from([1, 2])]));
  await assertDataError(() => idx({ images: img, labels: trailing }), trailing, "2 unexpected bytes");

  const corruptGz = join(dir, "corrupt.gz");
  writeFileSync(corruptGz, gzipSync(encodeIdx([N, H, W], pixels)).subarray(0, 20));
  await assertDataError(() => idx({ images: corruptGz }), corruptGz, "corrupt or truncated gzip");

  const floatIdx = Buffer.from(encodeIdx([1], Uint8Array.from([0])));
  floatIdx[2] = 0x0d;
  await assertDataError(() => parseIdx(floatIdx, "f.idx"), "f.idx", "float32", "not supported");

  await assertDataError(() => idx({ dir: join(dir, "missing-dir") }), "missing-dir", "not found");
});
