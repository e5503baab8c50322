import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { encodeNpy, saveNpy } from "../../src/io/npy.js";
import { scratchDir } from "./helpers.js";

const dir = scratchDir("npy");
const latin1 = (bytes: Uint8Array): string => Buffer.from(bytes).toString("latin1");

describe("encodeNpy", () => {
  it("writes numpy's exact v1.0 header for a (2, 3) float32 array", () => {
    const bytes = encodeNpy(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]);
    // 10-byte preamble + 59-byte dict + 58 spaces + "\n" = 128; header length field 118 = "v\0".
    const header = "\x93NUMPY\x01\x00v\x00{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }" + " ".repeat(58) + "\n";
    assert.equal(header.length, 128);
    assert.equal(latin1(bytes.subarray(0, 128)), header);
    assert.equal(bytes.length, 128 + 24);
    assert.deepEqual([...bytes.subarray(128, 136)], [0, 0, 0x80, 0x3f, 0, 0, 0, 0x40]); // 1.0f, 2.0f little-endian
  });

  it("writes (3,) for a 1-D array", () => {
    const bytes = encodeNpy(new Float32Array([1, 2, 3]), [3]);
    const header = "\x93NUMPY\x01\x00v\x00{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }" + " ".repeat(60) + "\n";
    assert.equal(latin1(bytes.subarray(0, 128)), header);
    assert.equal(bytes.length, 128 + 12);
  });

  it("writes () for a scalar", () => {
    const bytes = encodeNpy(new Float64Array([0.5]), []);
    const header = "\x93NUMPY\x01\x00v\x00{'descr': '<f8', 'fortran_order': False, 'shape': (), }" + " ".repeat(62) + "\n";
    assert.equal(latin1(bytes.subarray(0, 128)), header);
    assert.deepEqual([...bytes.subarray(128)], [0, 0, 0, 0, 0, 0, 0xe0, 0x3f]);
  });

  it("uses the right descr per dtype and pads every header to a multiple of 64", () => {
    const cases = [
      [new Uint8Array([1, 2]), "|u1"],
      [new Int32Array([-1, 2]), "<i4"],
      [new Float64Array(2), "<f8"],
      [new Float32Array(2), "<f4"],
    ] as const;
    for (const [data, descr] of cases) {
      const bytes = encodeNpy(data, [1, 2]);
      const len = new DataView(bytes.buffer).getUint16(8, true);
      assert.equal((10 + len) % 64, 0);
      assert.equal(bytes[10 + len - 1], 0x0a);
      assert.ok(latin1(bytes.subarray(10, 10 + len)).startsWith(`{'descr': '${descr}', 'fortran_order': False, 'shape': (1, 2), }`));
      assert.deepEqual([...bytes.subarray(10 + len)], [...new Uint8Array(data.buffer)]);
    }
    const big = encodeNpy(new Uint8Array(0), [0, ...new Array<number>(30).fill(7)]);
    assert.equal(big.length % 64, 0);
    assert.equal(big.length, 192); // a longer dict grows the header by whole 64-byte blocks
  });

  it("encodes from a view at a byte offset", () => {
    const backing = new Int32Array([99, 1, -1]);
    const bytes = encodeNpy(backing.subarray(1), [2]);
    assert.deepEqual([...bytes.subarray(128)], [1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]);
  });

  it("rejects a shape that does not match the data", () => {
    assert.throws(() => encodeNpy(new Float32Array(5), [2, 3]), /shape \(2, 3\) needs 6 elements, got 5/);
    assert.throws(() => encodeNpy(new Float32Array(1), [-1]), /invalid shape/);
    assert.throws(() => encodeNpy(new Float32Array(1), [1.5]), /invalid shape/);
    assert.throws(() => encodeNpy(new Int16Array(1) as unknown as Int32Array, [1]), /unsupported data type Int16Array/);
  });
});

describe("saveNpy", () => {
  it("writes the encoded bytes atomically", async () => {
    const path = join(dir, "samples.npy");
    const data = new Float32Array([0.25, -1]);
    await saveNpy(path, data, [1, 2]);
    assert.deepEqual(readFileSync(path), Buffer.from(encodeNpy(data, [1, 2])));
    assert.deepEqual(readdirSync(dir), ["samples.npy"]);
  });
});
