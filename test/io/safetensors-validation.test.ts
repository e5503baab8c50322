import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { SafetensorsError, decodeSafetensors, encodeSafetensors, loadSafetensors } from "../../src/io/safetensors.js";
import { scratchDir } from "./helpers.js";

const dir = scratchDir("safetensors-validation");

/** A file with a hand-written header (padded like the reference) followed by `data`. */
function craft(header: unknown, data: ArrayLike<number> = []): Uint8Array {
  let json =
    header instanceof Uint8Array ? Buffer.from(header) : Buffer.from(typeof header === "string" ? header : JSON.stringify(header), "utf8");
  json = Buffer.concat([json, Buffer.alloc((8 - (json.length % 8)) % 8, 0x20)]);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(Array.from(data), 8 + json.length);
  return out;
}

/** Little-endian bytes of 16-bit values. */
function u16le(values: number[]): number[] {
  const out = new Uint8Array(2 * values.length);
  values.forEach((v, i) => new DataView(out.buffer).setUint16(2 * i, v, true));
  return [...out];
}

/** Writes `bytes` to a file, loads it, and checks the SafetensorsError names the file and matches `problem`. */
async function expectLoadError(name: string, bytes: Uint8Array, problem: RegExp): Promise<SafetensorsError> {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  let caught: unknown;
  await loadSafetensors(path).catch((err: unknown) => (caught = err));
  assert.ok(caught instanceof SafetensorsError, `expected a SafetensorsError for ${name}, got ${String(caught)}`);
  assert.equal(caught.name, "SafetensorsError");
  assert.equal(caught.file, path);
  assert.ok(caught.message.startsWith(`${path}: `), caught.message);
  assert.match(caught.message, problem);
  return caught;
}

const good = encodeSafetensors(
  {
    "encoder.0.weight": { dtype: "float32", shape: [2, 3], data: new Float32Array([0, 0.1, 0.2, 0.3, 0.4, 0.5]) },
    "encoder.0.bias": { dtype: "float32", shape: [2], data: new Float32Array([1, 2]) },
    step: { dtype: "int64", shape: [], data: new BigInt64Array([7n]) },
  },
  { format: "pt" },
);
const headerLength = Number(new DataView(good.buffer).getBigUint64(0, true));
const dataStart = 8 + headerLength;

describe("truncated files", () => {
  it("reports files shorter than the 8-byte length prefix", async () => {
    for (const cut of [0, 1, 7]) {
      await expectLoadError(`short${cut}.safetensors`, good.subarray(0, cut), new RegExp(`file is ${cut} bytes long, shorter than the 8-byte header length`));
    }
  });

  it("reports a header length larger than the file", async () => {
    for (const cut of [8, 20, dataStart - 1]) {
      await expectLoadError(
        `head${cut}.safetensors`,
        good.subarray(0, cut),
        new RegExp(`header length ${headerLength} is larger than the ${cut - 8} bytes after it: truncated or not a safetensors file`),
      );
    }
  });

  it("reports a cut in the tensor data with expected and actual sizes", async () => {
    for (const cut of [dataStart, dataStart + 5, good.length - 1]) {
      await expectLoadError(
        `data${cut}.safetensors`,
        good.subarray(0, cut),
        new RegExp(`file is truncated: expected ${good.length} bytes \\(${dataStart}-byte header \\+ 40 bytes of tensor data\\) but it has ${cut}$`),
      );
    }
  });

  it("loads the intact file", async () => {
    const path = join(dir, "good.safetensors");
    writeFileSync(path, good);
    const { tensors, metadata } = await loadSafetensors(path);
    assert.deepEqual(Object.keys(tensors).sort(), ["encoder.0.bias", "encoder.0.weight", "step"]);
    assert.deepEqual(metadata, { format: "pt" });
  });
});

describe("corrupt headers", () => {
  it("reports a header that is not JSON", async () => {
    await expectLoadError("garbage.safetensors", craft("this is not json!"), /header is not valid JSON \(.+\): corrupt or not a safetensors file/);
  });

  it("reports a header that is not UTF-8", async () => {
    await expectLoadError("latin1.safetensors", craft(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])), /header is not valid UTF-8/);
  });

  it("reports JSON that is not an object", async () => {
    await expectLoadError("array.safetensors", craft([1, 2]), /header is JSON but not an object/);
    await expectLoadError("null.safetensors", craft("null"), /header is JSON but not an object/);
  });

  it("reports another format's bytes", async () => {
    const png = Buffer.from("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489", "hex");
    await expectLoadError("image.png", png, /truncated or not a safetensors file/);
  });

  it("reports an unknown dtype", async () => {
    await expectLoadError("dtype.safetensors", craft({ w: { dtype: "F33", shape: [1], data_offsets: [0, 4] } }, [0, 0, 0, 0]), /tensor 'w' has unknown dtype "F33"/);
    await expectLoadError("nodtype.safetensors", craft({ w: { shape: [1], data_offsets: [0, 4] } }, [0, 0, 0, 0]), /tensor 'w' has no dtype string/);
  });

  it("reports a known dtype Eikon cannot hold", async () => {
    await expectLoadError("i16.safetensors", craft({ w: { dtype: "I16", shape: [2], data_offsets: [0, 4] } }, [0, 0, 0, 0]), /tensor 'w' has dtype I16, which Eikon cannot load \(it reads F32, F64, I32, I64, U8, BOOL, F16, BF16\)/);
  });

  it("reports a shape inconsistent with the dtype size and offsets", async () => {
    await expectLoadError(
      "shape.safetensors",
      craft({ w: { dtype: "F32", shape: [3], data_offsets: [0, 8] } }, new Array(8).fill(0)),
      /tensor 'w' has dtype F32 and shape \[3\], which need 12 bytes, but its data_offsets \[0,8\] span 8/,
    );
    await expectLoadError("badshape.safetensors", craft({ w: { dtype: "F32", shape: [1.5], data_offsets: [0, 4] } }, [0, 0, 0, 0]), /tensor 'w' has invalid shape \[1.5\]/);
  });

  it("reports malformed data_offsets", async () => {
    await expectLoadError("reversed.safetensors", craft({ w: { dtype: "U8", shape: [0], data_offsets: [4, 0] } }, [0, 0, 0, 0]), /tensor 'w' has invalid data_offsets \[4,0\]/);
    await expectLoadError("three.safetensors", craft({ w: { dtype: "U8", shape: [1], data_offsets: [0, 1, 2] } }, [0]), /invalid data_offsets/);
    await expectLoadError("entry.safetensors", craft({ w: 3 }), /entry for tensor 'w' is not an object/);
  });

  it("reports overlapping tensors", async () => {
    await expectLoadError(
      "overlap.safetensors",
      craft({ a: { dtype: "F32", shape: [2], data_offsets: [0, 8] }, b: { dtype: "F32", shape: [2], data_offsets: [4, 12] } }, new Array(12).fill(0)),
      /tensor 'b' \[4,12\] overlaps tensor 'a' \[0,8\]/,
    );
    await expectLoadError(
      "zero-inside.safetensors",
      craft({ a: { dtype: "F32", shape: [2], data_offsets: [0, 8] }, z: { dtype: "F32", shape: [0], data_offsets: [4, 4] } }, new Array(8).fill(0)),
      /tensor 'z' \[4,4\] overlaps tensor 'a' \[0,8\]/,
    );
  });

  it("reports gaps between, before and after tensors", async () => {
    await expectLoadError(
      "gap.safetensors",
      craft({ a: { dtype: "F32", shape: [1], data_offsets: [0, 4] }, b: { dtype: "F32", shape: [1], data_offsets: [8, 12] } }, new Array(12).fill(0)),
      /gap of 4 bytes between tensor 'a' \(ends at 4\) and tensor 'b' \(starts at 8\)/,
    );
    await expectLoadError("lead.safetensors", craft({ a: { dtype: "U8", shape: [1], data_offsets: [2, 3] } }, [0, 0, 0]), /gap of 2 bytes before the first tensor 'a'/);
    await expectLoadError("trail.safetensors", craft({ a: { dtype: "U8", shape: [1], data_offsets: [0, 1] } }, [0, 0, 0]), /2 bytes after the last tensor's data are not described by the header/);
  });

  it("accepts zero-size tensors sharing an offset with their neighbours", () => {
    const bytes = craft(
      { a: { dtype: "U8", shape: [2], data_offsets: [0, 2] }, e: { dtype: "F64", shape: [0, 4], data_offsets: [2, 2] }, b: { dtype: "U8", shape: [1], data_offsets: [2, 3] } },
      [1, 2, 3],
    );
    const { tensors } = decodeSafetensors(bytes);
    assert.deepEqual([...tensors.a!.data, ...tensors.b!.data], [1, 2, 3]);
    assert.deepEqual(tensors.e!.shape, [0, 4]);
  });

  it("reports malformed metadata", async () => {
    await expectLoadError("meta.safetensors", craft({ __metadata__: { epoch: 3 } }), /__metadata__ value for 'epoch' must be a string, got 3/);
    await expectLoadError("meta2.safetensors", craft({ __metadata__: ["x"] }), /__metadata__ must be an object/);
  });

  it("names in-memory sources too", () => {
    assert.throws(() => decodeSafetensors(new Uint8Array(3)), { name: "SafetensorsError", message: /^<bytes>: file is 3 bytes long/ });
    assert.throws(() => decodeSafetensors(new Uint8Array(3), "upload"), { message: /^upload: / });
  });
});

describe("half-precision tensors", () => {
  it("widens F16 to float32, including subnormals and infinities", () => {
    const bits = [0x3c00, 0xc000, 0x7c00, 0xfc00, 0x0001, 0x3555, 0x8000, 0x7e00];
    const bytes = craft({ h: { dtype: "F16", shape: [8], data_offsets: [0, 16] } }, u16le(bits));
    const t = decodeSafetensors(bytes).tensors.h!;
    assert.equal(t.dtype, "float32");
    assert.ok(t.data instanceof Float32Array);
    const v = [...t.data] as number[];
    assert.deepEqual(v.slice(0, 5), [1, -2, Infinity, -Infinity, 2 ** -24]);
    assert.equal(v[5], Math.fround(0.333251953125));
    assert.ok(Object.is(v[6], -0));
    assert.ok(Number.isNaN(v[7]));
  });

  it("widens BF16 to float32", () => {
    const bits = [0x3f80, 0xc0a0, 0x7f80, 0x3e80];
    const bytes = craft({ b: { dtype: "BF16", shape: [2, 2], data_offsets: [0, 8] } }, u16le(bits));
    const t = decodeSafetensors(bytes).tensors.b!;
    assert.deepEqual(t.shape, [2, 2]);
    assert.deepEqual([...t.data], [1, -5, Infinity, 0.25]);
  });
});
