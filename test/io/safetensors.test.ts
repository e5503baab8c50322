import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { decodeSafetensors, encodeSafetensors, loadSafetensors, saveSafetensors } from "../../src/io/safetensors.js";
import type { NamedTensor } from "../../src/io/tensor.js";
import { scratchDir } from "./helpers.js";

const dir = scratchDir("safetensors");

function headerOf(bytes: Uint8Array): string {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return new TextDecoder().decode(bytes.subarray(8, 8 + n));
}

const every: Record<string, NamedTensor> = {
  f32: { dtype: "float32", shape: [2, 3], data: new Float32Array([0, 0.1, -2.5, NaN, Infinity, -0]) },
  f64: { dtype: "float64", shape: [3], data: new Float64Array([Math.PI, -1e300, Number.MIN_VALUE]) },
  i32: { dtype: "int32", shape: [2, 1, 2], data: new Int32Array([-(2 ** 31), 2 ** 31 - 1, 0, -7]) },
  i64: { dtype: "int64", shape: [2], data: new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n]) },
  u8: { dtype: "uint8", shape: [4], data: new Uint8Array([0, 1, 128, 255]) },
  bool: { dtype: "bool", shape: [3], data: new Uint8Array([1, 0, 1]) },
  "scalar.f32": { dtype: "float32", shape: [], data: new Float32Array([1.5]) },
  "scalar.i64": { dtype: "int64", shape: [], data: new BigInt64Array([7n]) },
  "scalar.bool": { dtype: "bool", shape: [], data: new Uint8Array([1]) },
  "empty.f64": { dtype: "float64", shape: [0, 3], data: new Float64Array(0) },
  "empty.u8": { dtype: "uint8", shape: [0], data: new Uint8Array(0) },
  "empty.i32": { dtype: "int32", shape: [4, 0], data: new Int32Array(0) },
};

function assertSameTensor(got: NamedTensor | undefined, want: NamedTensor, name: string): void {
  assert.ok(got, `missing ${name}`);
  assert.equal(got.dtype, want.dtype, name);
  assert.deepEqual(got.shape, want.shape, name);
  assert.equal(got.data.constructor, want.data.constructor, name);
  assert.equal(got.data.byteOffset % got.data.BYTES_PER_ELEMENT, 0, `${name} is aligned`);
  assert.deepEqual([...got.data].map((v) => (typeof v === "number" && Object.is(v, -0) ? "-0" : v)), [...want.data].map((v) => (typeof v === "number" && Object.is(v, -0) ? "-0" : v)), name);
}

describe("safetensors round trip", () => {
  it("preserves every dtype, scalars and zero-size tensors", () => {
    const { tensors, metadata } = decodeSafetensors(encodeSafetensors(every, { format: "pt", note: "é ünïcode \n" }));
    assert.deepEqual(Object.keys(tensors).sort(), Object.keys(every).sort());
    for (const [name, want] of Object.entries(every)) assertSameTensor(tensors[name], want, name);
    assert.deepEqual(metadata, { format: "pt", note: "é ünïcode \n" });
  });

  it("returns empty metadata and no __metadata__ key when none is given", () => {
    const bytes = encodeSafetensors({ x: every.f32! });
    assert.ok(!headerOf(bytes).includes("__metadata__"));
    assert.deepEqual(decodeSafetensors(bytes).metadata, {});
    assert.equal(headerOf(encodeSafetensors({ x: every.f32! }, {})).startsWith('{"__metadata__":{},'), true);
  });

  it("round-trips an empty file", () => {
    const bytes = encodeSafetensors({});
    assert.equal(headerOf(bytes), "{}      ");
    assert.deepEqual(decodeSafetensors(bytes), { tensors: {}, metadata: {} });
  });

  it("handles state-dict names, integer-like names and __proto__", () => {
    const t = (v: number): NamedTensor => ({ dtype: "float32", shape: [1], data: new Float32Array([v]) });
    const input: Record<string, NamedTensor> = Object.fromEntries([
      ["encoder.0.weight", t(1)],
      ["0", t(2)],
      ["__proto__", t(3)],
      ["ζ", t(4)],
    ]);
    const { tensors } = decodeSafetensors(encodeSafetensors(input));
    assert.deepEqual(Object.keys(tensors).sort(), Object.keys(input).sort());
    for (const name of Object.keys(input)) assert.deepEqual([...tensors[name]!.data], [...input[name]!.data]);
  });

  it("encodes from typed-array views at any byte offset and copies on decode", () => {
    const backing = new Float64Array([9, 1, 2, 3]);
    const bytes = encodeSafetensors({ v: { dtype: "float64", shape: [3], data: backing.subarray(1) } });
    const { tensors } = decodeSafetensors(bytes);
    assert.deepEqual([...tensors.v!.data], [1, 2, 3]);
    bytes.fill(0, bytes.length - 24);
    assert.deepEqual([...tensors.v!.data], [1, 2, 3]);
  });

  it("decodes from an unaligned slice of a larger buffer", () => {
    const bytes = encodeSafetensors({ v: every.f64!, w: every.i64! });
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    const { tensors } = decodeSafetensors(shifted.subarray(3));
    assertSameTensor(tensors.v, every.f64!, "v");
    assertSameTensor(tensors.w, every.i64!, "w");
  });

  it("stores bool values as 0/1", () => {
    const bytes = encodeSafetensors({ b: { dtype: "bool", shape: [3], data: new Uint8Array([0, 2, 255]) } });
    assert.deepEqual([...bytes.subarray(bytes.length - 3)], [0, 1, 1]);
    assert.deepEqual([...decodeSafetensors(bytes).tensors.b!.data], [0, 1, 1]);
  });

  it("saves atomically and loads from disk", async () => {
    const path = join(dir, "model.safetensors");
    await saveSafetensors(path, every, { epoch: "3" });
    await saveSafetensors(path, { only: every.u8! }, { epoch: "4" });
    const { tensors, metadata } = await loadSafetensors(path);
    assert.deepEqual(Object.keys(tensors), ["only"]);
    assert.deepEqual(metadata, { epoch: "4" });
    assert.deepEqual(readdirSync(dir), ["model.safetensors"]);
  });
});

describe("safetensors byte layout", () => {
  it("matches a hand-computed file exactly", () => {
    const bytes = encodeSafetensors(
      {
        a: { dtype: "uint8", shape: [], data: new Uint8Array([5]) },
        b: { dtype: "float32", shape: [2], data: new Float32Array([1, 2]) },
      },
      { k: "v" },
    );
    // 130 bytes of JSON + 6 spaces = 136 = 0x88; F32 is laid out before U8 (larger dtypes first).
    const json = '{"__metadata__":{"k":"v"},"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"U8","shape":[],"data_offsets":[8,9]}}';
    assert.equal(json.length, 130);
    const expected = [
      ...[0x88, 0, 0, 0, 0, 0, 0, 0],
      ...Buffer.from(json + "      ", "utf8"),
      ...[0x00, 0x00, 0x80, 0x3f], // 1.0f LE
      ...[0x00, 0x00, 0x00, 0x40], // 2.0f LE
      0x05,
    ];
    assert.deepEqual([...bytes], expected);
  });

  it("orders tensors by dtype size, then name, so every tensor is aligned", () => {
    const bytes = encodeSafetensors({
      z: every.bool!,
      y: every.u8!,
      x: every.i32!,
      w: every.f32!,
      c: every.f64!,
      b: every.i64!,
      a: every.f64!,
    });
    const header = JSON.parse(headerOf(bytes)) as Record<string, { dtype: string; data_offsets: [number, number] }>;
    assert.deepEqual(Object.keys(header), ["b", "a", "c", "w", "x", "y", "z"]);
    assert.deepEqual(Object.values(header).map((e) => e.dtype), ["I64", "F64", "F64", "F32", "I32", "U8", "BOOL"]);
    assert.equal(headerOf(bytes).length % 8, 0);
    for (const e of Object.values(header)) assert.equal(e.data_offsets[0] % { I64: 8, F64: 8, F32: 4, I32: 4, U8: 1, BOOL: 1 }[e.dtype]!, 0);
  });

  it("writes the length prefix as a little-endian u64 and pads the header with spaces", () => {
    const bytes = encodeSafetensors({ x: { dtype: "float32", shape: [1], data: new Float32Array([1]) } });
    assert.equal(headerOf(bytes), '{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}  ');
    assert.deepEqual([...bytes.subarray(0, 8)], [56, 0, 0, 0, 0, 0, 0, 0]);
  });
});

describe("encodeSafetensors input checks", () => {
  it("rejects data of the wrong typed-array class", () => {
    assert.throws(() => encodeSafetensors({ w: { dtype: "float32", shape: [1], data: new Float64Array(1) } }), /tensor 'w' has dtype float32, so its data must be a Float32Array/);
    assert.throws(() => encodeSafetensors({ w: { dtype: "int64", shape: [1], data: new Int32Array(1) } }), TypeError);
  });

  it("rejects a shape that does not match the element count", () => {
    assert.throws(() => encodeSafetensors({ w: { dtype: "float32", shape: [2, 2], data: new Float32Array(3) } }), /tensor 'w' has shape \[2,2\] but 3 elements/);
    assert.throws(() => encodeSafetensors({ w: { dtype: "float32", shape: [-1], data: new Float32Array(1) } }), /invalid shape/);
  });

  it("rejects reserved names and non-string metadata", () => {
    assert.throws(() => encodeSafetensors({ __metadata__: every.u8! }), /invalid tensor name/);
    assert.throws(() => encodeSafetensors({}, { epoch: 3 as unknown as string }), /metadata 'epoch' must be a string/);
  });
});
