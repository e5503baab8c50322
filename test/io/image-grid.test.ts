import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { imageGrid, saveImageGrid, saveImageStrip } from "../../src/io/image-grid.js";
import { decodePng } from "../../src/io/png.js";
import { scratchDir } from "./helpers.js";

const dir = scratchDir("grid");

describe("imageGrid", () => {
  it("tiles gray images with padding like make_grid", () => {
    // Three 2x2 images, values 0, 0.5 (→128) and 1 (→255); ceil(sqrt(3)) = 2 per row.
    const images = new Float32Array([0, 0.5, 1, 0, 1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5]);
    const g = imageGrid(images, [3, 1, 2, 2], { padding: 1 });
    assert.deepEqual({ width: g.width, height: g.height, channels: g.channels, nonFinite: g.nonFinite }, { width: 7, height: 7, channels: 1, nonFinite: 0 });
    const _ = 0;
    // prettier-ignore
    assert.deepEqual([...g.pixels], [
      _, _,   _,   _, _,   _,   _,
      _, 0,   128, _, 255, 255, _,
      _, 255, 0,   _, 255, 255, _,
      _, _,   _,   _, _,   _,   _,
      _, 128, 128, _, _,   _,   _,
      _, 128, 128, _, _,   _,   _,
      _, _,   _,   _, _,   _,   _,
    ]);
  });

  it("computes torchvision's geometry", () => {
    const g = imageGrid(new Float32Array(5 * 3 * 4 * 6), [5, 3, 4, 6], { nrow: 8 });
    assert.deepEqual([g.width, g.height], [5 * 8 + 2, 4 + 2 + 2]); // min(nrow, N) columns
    const h = imageGrid(new Float32Array(7 * 1 * 3 * 3), [7, 1, 3, 3], { nrow: 3, padding: 0 });
    assert.deepEqual([h.width, h.height], [9, 9]); // ceil(7 / 3) rows
    const one = imageGrid(new Float32Array(4), [1, 1, 2, 2]);
    assert.deepEqual([one.width, one.height], [6, 6]);
  });

  it("interleaves RGB channels", () => {
    // One 1x2 image: pixel 0 = (1, 0, 0.5), pixel 1 = (0, 1, 1); planes are R, G, B.
    const g = imageGrid(new Float32Array([1, 0, 0, 1, 0.5, 1]), [1, 3, 1, 2], { padding: 0 });
    assert.equal(g.channels, 3);
    assert.deepEqual([...g.pixels], [255, 0, 128, 0, 255, 255]);
  });

  it("maps range [-1, 1] to 0..255 and clamps outside values", () => {
    const g = imageGrid(new Float32Array([-1, 0, 1, -2, 3, 0.5]), [1, 1, 1, 6], { range: [-1, 1], padding: 0 });
    assert.deepEqual([...g.pixels], [0, 128, 255, 0, 255, 191]);
    const padded = imageGrid(new Float32Array([0]), [1, 1, 1, 1], { range: [-1, 1], padding: 1 });
    assert.equal(padded.pixels[0], 0); // default pad colour is range[0], black
  });

  it("draws NaN and infinities in the pad colour and counts them", () => {
    const g = imageGrid(new Float32Array([NaN, 0.5, Infinity, -Infinity]), [1, 1, 2, 2], { padding: 1, padValue: 1 });
    assert.equal(g.nonFinite, 3);
    const inner = [g.pixels[5], g.pixels[6], g.pixels[9], g.pixels[10]];
    assert.deepEqual(inner, [255, 128, 255, 255]);
    assert.equal(g.pixels[0], 255);
    assert.equal(imageGrid(new Float32Array([NaN, NaN, 0]), [1, 3, 1, 1], { padding: 0 }).nonFinite, 2);
  });

  it("rejects bad shapes and options", () => {
    assert.throws(() => imageGrid(new Float32Array(3), [1, 1, 2, 2]), /needs 4 values, got 3/);
    assert.throws(() => imageGrid(new Float32Array(8), [1, 2, 2, 2]), /C must be 1, 3 or 4/);
    assert.throws(() => imageGrid(new Float32Array(0), [0, 1, 2, 2]), /N must be an integer >= 1/);
    assert.throws(() => imageGrid(new Float32Array(4), [1, 1, 2, 2], { range: [1, 1] }), /lo < hi/);
    assert.throws(() => imageGrid(new Float32Array(4), [1, 1, 2, 2], { nrow: 0 }), /nrow/);
    assert.throws(() => imageGrid(new Float32Array(4), [1, 1, 2, 2], { padding: -1 }), /padding/);
    assert.throws(() => imageGrid(new Float32Array(4), [1, 1, 2, 2], { padValue: NaN }), /padValue/);
  });
});

describe("saveImageGrid / saveImageStrip", () => {
  it("writes a PNG that decodes to the grid's pixels", async () => {
    const images = Float32Array.from({ length: 4 * 3 * 2 * 3 }, (_, i) => (i % 11) / 10);
    images[5] = NaN;
    const path = join(dir, "grid.png");
    const info = await saveImageGrid(path, images, [4, 3, 2, 3]);
    assert.deepEqual(info, { width: 2 * 5 + 2, height: 2 * 4 + 2, channels: 3, nonFinite: 1 });
    const img = await decodePng(path);
    const g = imageGrid(images, [4, 3, 2, 3]);
    assert.deepEqual({ ...img, pixels: [...img.pixels] }, { pixels: [...g.pixels], width: g.width, height: g.height, channels: 3 });
  });

  it("puts a strip in a single row and leaves no temp files", async () => {
    const path = join(dir, "strip.png");
    const images = Float32Array.from({ length: 6 * 1 * 2 * 2 }, (_, i) => i / 23);
    const info = await saveImageStrip(path, images, [6, 1, 2, 2], { range: [0, 1], padding: 1 });
    assert.deepEqual(info, { width: 6 * 3 + 1, height: 4, channels: 1, nonFinite: 0 });
    const img = await decodePng(path);
    assert.deepEqual([img.width, img.height, img.channels], [19, 4, 1]);
    assert.equal(img.pixels[1 * 19 + 1 + 3 * 5], Math.floor((20 / 23) * 255 + 0.5)); // image 5, top-left pixel
    assert.deepEqual(readdirSync(dir).sort(), ["grid.png", "strip.png"]);
  });

  it("writes nothing when the input is invalid", async () => {
    await assert.rejects(saveImageGrid(join(dir, "bad.png"), new Float32Array(3), [1, 1, 2, 2]), RangeError);
    assert.ok(!readdirSync(dir).includes("bad.png"));
  });
});
