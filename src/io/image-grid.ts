// Tiles a batch of NCHW float images into one picture, like torchvision's make_grid + save_image.
import { writeFileAtomic } from "./atomic.js";
import { encodePng, type PngChannels } from "./png.js";

export interface ImageGridOptions {
  /** Images per row (default ceil(sqrt(N))). */
  nrow?: number;
  /** Pixels of padding between and around images (default 2). */
  padding?: number;
  /** Input values mapped to 0..255 (default [0, 1]); values outside are clamped. */
  range?: [number, number];
  /** Padding colour, in the same units as the images (default range[0], i.e. black). */
  padValue?: number;
}

export interface ImageGrid {
  /** Row-major, channel-interleaved 8-bit pixels. */
  pixels: Uint8Array;
  width: number;
  height: number;
  channels: PngChannels;
  /** How many input values were NaN or ±Infinity; they are drawn in the pad colour. */
  nonFinite: number;
}

/** What saveImageGrid reports: the grid's geometry and its non-finite count. */
export type SavedImageGrid = Omit<ImageGrid, "pixels">;

function positiveInt(name: string, v: number, min: number): void {
  if (!Number.isSafeInteger(v) || v < min) throw new RangeError(`imageGrid: ${name} must be an integer >= ${min}, got ${v}`);
}

export function imageGrid(images: Float32Array, shape: [number, number, number, number], opts: ImageGridOptions = {}): ImageGrid {
  const [n, c, h, w] = shape;
  positiveInt("N", n, 1);
  positiveInt("H", h, 1);
  positiveInt("W", w, 1);
  if (c !== 1 && c !== 3 && c !== 4) throw new RangeError(`imageGrid: C must be 1, 3 or 4, got ${c}`);
  if (images.length !== n * c * h * w) {
    throw new RangeError(`imageGrid: shape [${shape.join(",")}] needs ${n * c * h * w} values, got ${images.length}`);
  }
  const nrow = opts.nrow ?? Math.ceil(Math.sqrt(n));
  const padding = opts.padding ?? 2;
  positiveInt("nrow", nrow, 1);
  positiveInt("padding", padding, 0);
  const [lo, hi] = opts.range ?? [0, 1];
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(hi > lo)) throw new RangeError(`imageGrid: range must be finite with lo < hi, got [${lo}, ${hi}]`);
  const padValue = opts.padValue ?? lo;
  if (!Number.isFinite(padValue)) throw new RangeError(`imageGrid: padValue must be finite, got ${padValue}`);

  // Same rounding as torchvision's save_image: x*255 + 0.5, clamped, truncated.
  const toByte = (v: number): number => Math.floor(Math.min(255, Math.max(0, ((v - lo) / (hi - lo)) * 255 + 0.5)));
  const pad = toByte(padValue);

  const cols = Math.min(nrow, n);
  const rows = Math.ceil(n / cols);
  const width = cols * (w + padding) + padding;
  const height = rows * (h + padding) + padding;
  const pixels = new Uint8Array(width * height * c).fill(pad);
  let nonFinite = 0;
  for (let k = 0; k < n; k++) {
    const top = Math.floor(k / cols) * (h + padding) + padding;
    const left = (k % cols) * (w + padding) + padding;
    for (let ch = 0; ch < c; ch++) {
      const plane = (k * c + ch) * h * w;
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const v = images[plane + y * w + x]!;
          const finite = Number.isFinite(v);
          if (!finite) nonFinite++;
          pixels[((top + y) * width + left + x) * c + ch] = finite ? toByte(v) : pad;
        }
      }
    }
  }
  return { pixels, width, height, channels: c, nonFinite };
}

/** Writes imageGrid(...) as a PNG, atomically: a crash never leaves a half-written grid. */
export async function saveImageGrid(
  path: string,
  images: Float32Array,
  shape: [number, number, number, number],
  opts: ImageGridOptions = {},
): Promise<SavedImageGrid> {
  const { pixels, ...info } = imageGrid(images, shape, opts);
  await writeFileAtomic(path, encodePng(pixels, info.width, info.height, info.channels));
  return info;
}

/** Saves all N images in a single row (e.g. a latent-space interpolation). */
export async function saveImageStrip(
  path: string,
  images: Float32Array,
  shape: [number, number, number, number],
  opts: Omit<ImageGridOptions, "nrow"> = {},
): Promise<SavedImageGrid> {
  return saveImageGrid(path, images, shape, { ...opts, nrow: shape[0] });
}
