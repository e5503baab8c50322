// Pictures of a model's samples: an image grid for image-shaped data ([C,H,W] with C = 1, 3 or 4),
// a scatter plot for 2-D points. Written atomically, so a failed run never leaves half a picture.
import { Rng } from "../engine/index.js";
import { encodePng, saveImageGrid, writeFileAtomic } from "../io/index.js";
import { drawSamples, toDisplayRange, type GenerativeModel, type QueryRunner } from "../models/index.js";

export type SampleKind = "grid" | "scatter";

/** How samples of this data shape are drawn, or null if they cannot be pictured. */
export function pictureKind(dataShape: readonly number[]): SampleKind | null {
  if (dataShape.length === 3 && [1, 3, 4].includes(dataShape[0])) return "grid";
  if (dataShape.length === 1 && dataShape[0] === 2) return "scatter";
  return null;
}

/** Renders 2-D points as a white-on-black scatter plot, size×size pixels, centred on the origin. */
export function scatterPixels(points: Float32Array, size = 256): Uint8Array {
  const n = points.length >> 1;
  const mags: number[] = [];
  for (let i = 0; i < 2 * n; i++) if (Number.isFinite(points[i])) mags.push(Math.abs(points[i]));
  mags.sort((a, b) => a - b);
  const extent = Math.max(1e-6, (mags[Math.floor(0.99 * (mags.length - 1))] ?? 1) * 1.15);
  const px = new Uint8Array(size * size);
  for (let i = 0; i < n; i++) {
    const x = points[2 * i], y = points[2 * i + 1];
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    const c = Math.round(((x / extent + 1) / 2) * (size - 1));
    const r = Math.round(((1 - y / extent) / 2) * (size - 1));
    for (let dr = 0; dr <= 1; dr++) {
      for (let dc = 0; dc <= 1; dc++) {
        const rr = r + dr, cc = c + dc;
        if (rr >= 0 && rr < size && cc >= 0 && cc < size) px[rr * size + cc] = 255;
      }
    }
  }
  return px;
}

/** Saves samples (already drawn, n × dataShape) as a PNG picture. */
export async function savePicture(path: string, model: GenerativeModel, samples: Float32Array, n: number): Promise<void> {
  const kind = pictureKind(model.dataShape);
  if (kind === "grid") {
    const [c, h, w] = model.dataShape;
    await saveImageGrid(path, toDisplayRange(model.dataTransform, samples), [n, c, h, w]);
  } else if (kind === "scatter") {
    const size = 256;
    await writeFileAtomic(path, encodePng(scatterPixels(samples), size, size, 1));
  } else {
    throw new Error(`samples of shape [${model.dataShape.join(", ")}] cannot be drawn as a picture; use --npy to save them as an array`);
  }
}

/** The fixed-noise sample picture the trainer saves over time (same seed each time, so pictures compare). */
export async function saveSamplePicture(path: string, runner: QueryRunner, n: number, seed: number, players?: unknown): Promise<void> {
  const samples = await drawSamples(runner, n, { rng: new Rng(seed), players });
  await savePicture(path, runner.model, samples, n);
}
