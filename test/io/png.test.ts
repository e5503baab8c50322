import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { PNG } from "pngjs";
import { decodePng, decodePngBytes, encodePng } from "../../src/io/png.js";
import { scratchDir } from "./helpers.js";

const dir = scratchDir("png");

describe("encodePng / decodePng", () => {
  it("round-trips gray, RGB and RGBA pixels with the right colour type", () => {
    for (const [channels, colorType] of [[1, 0], [3, 2], [4, 6]] as const) {
      const pixels = Uint8Array.from({ length: 3 * 2 * channels }, (_, i) => (i * 37) % 256);
      const png = encodePng(pixels, 3, 2, channels);
      assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]); // "PNG"
      assert.equal(png[25], colorType); // IHDR colour type byte
      const back = decodePngBytes(png);
      assert.deepEqual({ ...back, pixels: [...back.pixels] }, { pixels: [...pixels], width: 3, height: 2, channels });
    }
  });

  it("encodes from a view into a larger buffer", () => {
    const backing = new Uint8Array([9, 9, 10, 20, 30, 40]);
    assert.deepEqual([...decodePngBytes(encodePng(backing.subarray(2), 2, 2, 1)).pixels], [10, 20, 30, 40]);
  });

  it("decodes files, including gray+alpha PNGs written by others", async () => {
    const path = join(dir, "ga.png");
    const png = new PNG({ width: 2, height: 1 });
    png.data = Buffer.from([10, 10, 10, 200, 50, 50, 50, 100]);
    writeFileSync(path, PNG.sync.write(png, { colorType: 4 }));
    const img = await decodePng(path);
    assert.deepEqual({ ...img, pixels: [...img.pixels] }, { pixels: [10, 200, 50, 100], width: 2, height: 1, channels: 2 });
    assert.ok(readFileSync(path).length > 0);
  });

  it("rejects inconsistent sizes and channel counts", () => {
    assert.throws(() => encodePng(new Uint8Array(5), 2, 2, 1), /expected 2x2x1 = 4 bytes, got 5/);
    assert.throws(() => encodePng(new Uint8Array(8), 2, 2, 2 as 1), /channels must be 1, 3 or 4/);
    assert.throws(() => encodePng(new Uint8Array(0), 0, 1, 1), /positive integers/);
  });
});
