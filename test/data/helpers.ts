// Shared fixtures for the data-layer tests: temp dirs and tiny PNG writers.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after } from "node:test";
import pngjs from "pngjs";

const { PNG } = pngjs;

/** A fresh temp dir, removed when the test file finishes. */
export function tempDir(prefix = "eikon-data-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes an 8-bit PNG. `pixel(x, y)` gives [r, g, b] (or a gray level). */
export function writePng(path: string, width: number, height: number, pixel: (x: number, y: number) => number | [number, number, number], color = false): void {
  mkdirSync(dirname(path), { recursive: true });
  const png = new PNG({ width, height });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = pixel(x, y);
      const [r, g, b] = typeof p === "number" ? [p, p, p] : p;
      const o = 4 * (y * width + x);
      png.data[o] = r;
      png.data[o + 1] = g;
      png.data[o + 2] = b;
      png.data[o + 3] = 255;
    }
  }
  writeFileSync(path, PNG.sync.write(png, { colorType: color ? 2 : 0 }));
}

/** Asserts that fn throws (or rejects with) a DataError whose message matches every pattern. */
export async function assertDataError(fn: () => unknown, ...patterns: (RegExp | string)[]): Promise<Error> {
  let caught: unknown;
  try {
    await fn();
  } catch (err) {
    caught = err;
  }
  if (!(caught instanceof Error)) throw new Error(`expected a DataError matching ${patterns.join(", ")}, but nothing was thrown`);
  if (caught.name !== "DataError") throw new Error(`expected a DataError, got ${caught.name}: ${caught.message}`);
  for (const p of patterns) {
    const ok = typeof p === "string" ? caught.message.includes(p) : p.test(caught.message);
    if (!ok) throw new Error(`DataError message ${JSON.stringify(caught.message)} does not match ${String(p)}`);
  }
  return caught;
}
