import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { csv, encodeNpy, loadDataset, npy, parseNpy } from "../../src/data/index.js";
import { assertDataError, tempDir } from "./helpers.js";

function readAll(src: { n: number; exampleShape: readonly number[]; read(i: Int32Array, o: Float32Array, l?: Int32Array): void | Promise<void> }) {
  const d = src.exampleShape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(src.n * d);
  const labels = new Int32Array(src.n);
  void src.read(Int32Array.from({ length: src.n }, (_, i) => i), x, labels);
  return { x, labels };
}

/** A .npy file written by hand (version 1.0 header), as numpy would. */
function npyBytes(descr: string, shape: string, data: Uint8Array, fortran = false, version = 1): Buffer {
  let header = `{'descr': '${descr}', 'fortran_order': ${fortran ? "True" : "False"}, 'shape': ${shape}, }`;
  const pre = version === 1 ? 10 : 12;
  header = header.padEnd(Math.ceil((pre + header.length + 1) / 64) * 64 - pre - 1, " ") + "\n";
  const head = Buffer.alloc(pre);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]).copy(head);
  if (version === 1) head.writeUInt16LE(header.length, 8);
  else head.writeUInt32LE(header.length, 8);
  return Buffer.concat([head, Buffer.from(header, "latin1"), Buffer.from(data)]);
}

test("NPY: float32, float64 (version 2 header) and uint8 arrays, with integer labels", () => {
  const dir = tempDir();
  const f32 = Float32Array.from([0.5, -1.25, 3, 4, 5, 6]);
  writeFileSync(join(dir, "a.npy"), encodeNpy([3, 2], f32));
  const a = npy(join(dir, "a.npy"));
  assert.equal(a.n, 3);
  assert.deepEqual(a.exampleShape, [2]);
  assert.deepEqual([...readAll(a).x], [...f32]);

  const f64 = Float64Array.from([1.5, 2.5, -3.5, 0.125]);
  writeFileSync(join(dir, "b.npy"), npyBytes("<f8", "(2, 1, 2)", new Uint8Array(f64.buffer), false, 2));
  const b = npy(join(dir, "b.npy"));
  assert.deepEqual(b.exampleShape, [1, 2]);
  assert.deepEqual([...readAll(b).x], [1.5, 2.5, -3.5, 0.125]);

  const u8 = Uint8Array.from([0, 255, 51, 102]);
  writeFileSync(join(dir, "c.npy"), npyBytes("|u1", "(4,)", u8));
  writeFileSync(join(dir, "c-labels.npy"), npyBytes("<i8", "(4,)", new Uint8Array(BigInt64Array.from([2n, 0n, 1n, 2n]).buffer)));
  const c = loadDataset(`npy:${join(dir, "c.npy")}?labels=${join(dir, "c-labels.npy")}`);
  assert.deepEqual(c.exampleShape, [1]);
  assert.equal(c.numClasses, 3);
  const all = readAll(c);
  assert.deepEqual([...all.x].map((v) => Math.round(v * 1000) / 1000), [0, 1, 0.2, 0.4]);
  assert.deepEqual([...all.labels], [2, 0, 1, 2]);

  const parsed = parseNpy(encodeNpy([2, 2], Int32Array.from([1, 2, 3, 4])), "mem");
  assert.equal(parsed.descr, "<i4");
  assert.deepEqual(parsed.shape, [2, 2]);
  assert.deepEqual([...parsed.data], [1, 2, 3, 4]);
});

test("NPY bad input: non-finite values, overflow, big-endian, Fortran order, truncation, bad magic, label mismatch", async () => {
  const dir = tempDir();
  const p = (n: string) => join(dir, n);
  writeFileSync(p("nan.npy"), encodeNpy([2, 3], Float32Array.from([0, 1, 2, 3, NaN, 5])));
  await assertDataError(() => npy(p("nan.npy")), p("nan.npy"), "non-finite value NaN at element 4 (example 1, position 1)", "nan_to_num");
  writeFileSync(p("inf.npy"), encodeNpy([2], Float64Array.from([1, -Infinity])));
  await assertDataError(() => npy(p("inf.npy")), p("inf.npy"), "non-finite value -Infinity");
  writeFileSync(p("big.npy"), encodeNpy([2], Float64Array.from([1, 1e300])));
  await assertDataError(() => npy(p("big.npy")), p("big.npy"), "overflows float32");
  writeFileSync(p("be.npy"), npyBytes(">f4", "(1,)", new Uint8Array(4)));
  await assertDataError(() => npy(p("be.npy")), p("be.npy"), "big-endian", 'astype("<f4")');
  writeFileSync(p("fortran.npy"), npyBytes("<f4", "(2, 2)", new Uint8Array(16), true));
  await assertDataError(() => npy(p("fortran.npy")), p("fortran.npy"), "Fortran", "ascontiguousarray");
  const full = encodeNpy([4], Float32Array.from([1, 2, 3, 4]));
  writeFileSync(p("short.npy"), full.subarray(0, full.length - 10));
  await assertDataError(() => npy(p("short.npy")), p("short.npy"), "truncated", "needs 16 data bytes but the file has 6");
  writeFileSync(p("notnpy.npy"), Buffer.from("hello world, not numpy"));
  await assertDataError(() => npy(p("notnpy.npy")), p("notnpy.npy"), "not a .npy file");
  writeFileSync(p("c16.npy"), npyBytes("<c16", "(1,)", new Uint8Array(16)));
  await assertDataError(() => npy(p("c16.npy")), p("c16.npy"), 'unsupported dtype "<c16"', "float32");
  writeFileSync(p("x.npy"), encodeNpy([3, 1], Float32Array.from([1, 2, 3])));
  writeFileSync(p("l.npy"), encodeNpy([2], Int32Array.from([0, 1])));
  await assertDataError(() => npy(p("x.npy"), { labels: p("l.npy") }), p("l.npy"), "2 labels but", "has 3 examples");
  writeFileSync(p("lf.npy"), encodeNpy([3], Float32Array.from([0, 1.5, 2])));
  await assertDataError(() => npy(p("x.npy"), { labels: p("lf.npy") }), p("lf.npy"), "label 1.5 at element 1 is not a non-negative integer");
  await assertDataError(() => npy(p("missing.npy")), p("missing.npy"), "not found");
});

test("CSV: header detection, label column by index or name, string labels, delimiters", () => {
  const dir = tempDir();
  const p = (n: string) => join(dir, n);
  writeFileSync(p("plain.csv"), "1,2,3\n4,5,6\n\n");
  const plain = csv(p("plain.csv"));
  assert.equal(plain.n, 2);
  assert.deepEqual(plain.exampleShape, [3]);
  assert.equal(plain.numClasses, undefined);
  assert.deepEqual([...readAll(plain).x], [1, 2, 3, 4, 5, 6]);

  writeFileSync(p("head.csv"), "\ufeffa,b,label\r\n0.5,-1e2,1\r\n2,3,0\r\n");
  const head = csv(p("head.csv"), { labelColumn: "label" });
  assert.equal(head.n, 2);
  assert.deepEqual(head.exampleShape, [2]);
  const h = readAll(head);
  assert.deepEqual([...h.x], [0.5, -100, 2, 3]);
  assert.deepEqual([...h.labels], [1, 0]);
  assert.equal(head.numClasses, 2);

  writeFileSync(p("iris.csv"), "5.1;3.5;setosa\n6.2;2.9;versicolor\n5.9;3.0;setosa\n");
  const iris = loadDataset(`csv:${p("iris.csv")}?label=-1`);
  assert.deepEqual(iris.classNames, ["setosa", "versicolor"]);
  assert.deepEqual([...readAll(iris).labels], [0, 1, 0]);
  assert.deepEqual([...readAll(iris).x].map((v) => Math.round(v * 10) / 10), [5.1, 3.5, 6.2, 2.9, 5.9, 3]);

  // A first row of numbers is data, not a header, unless told otherwise.
  writeFileSync(p("nohead.csv"), "7\t8\n9\t10\n");
  assert.equal(csv(p("nohead.csv")).n, 2);
  assert.equal(csv(p("nohead.csv"), { header: true }).n, 1);
});

test("CSV bad input: non-finite values, non-numbers, ragged rows, empty files, unknown label column", async () => {
  const dir = tempDir();
  const p = (n: string) => join(dir, n);
  writeFileSync(p("nan.csv"), "x,y\n1,2\n3,NaN\n");
  await assertDataError(() => csv(p("nan.csv")), p("nan.csv"), 'line 3, column 2 ("y"): non-finite value NaN', "Remove or replace NaN/Inf");
  writeFileSync(p("inf.csv"), "1,inf\n");
  await assertDataError(() => csv(p("inf.csv"), { header: false }), p("inf.csv"), "line 1, column 2: non-finite value inf");
  writeFileSync(p("big.csv"), "1,1e39\n");
  await assertDataError(() => csv(p("big.csv")), p("big.csv"), "overflows float32");
  writeFileSync(p("word.csv"), "a,b\n1,2\n3,abc\n");
  await assertDataError(() => csv(p("word.csv")), p("word.csv"), 'line 3, column 2 ("b"): "abc" is not a number');
  writeFileSync(p("ragged.csv"), "1,2,3\n4,5\n");
  await assertDataError(() => csv(p("ragged.csv")), p("ragged.csv"), "line 2: 2 fields but the first row has 3");
  writeFileSync(p("hole.csv"), "1,,3\n");
  await assertDataError(() => csv(p("hole.csv")), p("hole.csv"), "line 1, column 2: empty value");
  writeFileSync(p("empty.csv"), "\n\n");
  await assertDataError(() => csv(p("empty.csv")), p("empty.csv"), "empty");
  writeFileSync(p("onlyhead.csv"), "a,b\n");
  await assertDataError(() => csv(p("onlyhead.csv")), p("onlyhead.csv"), "no data rows");
  await assertDataError(() => csv(p("word.csv"), { labelColumn: "zzz" }), p("word.csv"), 'no column named "zzz"', "columns: a, b");
  await assertDataError(() => csv(p("missing.csv")), p("missing.csv"), "not found");
});
