// 8-bit PNG encode/decode (via pngjs) for interleaved row-major pixels.
import { readFile } from "node:fs/promises";
import { PNG, type ColorType } from "pngjs";

export type PngChannels = 1 | 3 | 4;

export interface DecodedImage {
  /** Row-major, channel-interleaved 8-bit pixels. */
  pixels: Uint8Array;
  width: number;
  height: number;
  /** 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA (as stored in the file; palette images decode to 3 or 4). */
  channels: 1 | 2 | 3 | 4;
}

const COLOR_TYPE: Record<PngChannels, ColorType> = { 1: 0, 3: 2, 4: 6 };

/** Encodes `width*height*channels` interleaved bytes as a PNG (gray, RGB or RGBA). */
export function encodePng(pixels: Uint8Array, width: number, height: number, channels: PngChannels): Buffer {
  if (!Number.isSafeInteger(width) || !Number.isSafeInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`encodePng: width and height must be positive integers, got ${width}x${height}`);
  }
  const colorType = COLOR_TYPE[channels];
  if (colorType === undefined) throw new RangeError(`encodePng: channels must be 1, 3 or 4, got ${channels}`);
  if (pixels.length !== width * height * channels) {
    throw new RangeError(`encodePng: expected ${width}x${height}x${channels} = ${width * height * channels} bytes, got ${pixels.length}`);
  }
  const png = new PNG({ width, height });
  png.data = Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength);
  // Input and output colour types match, so pngjs packs the bytes as given.
  return PNG.sync.write(png, { colorType, inputColorType: colorType, inputHasAlpha: channels === 4, bitDepth: 8 });
}

/** Decodes PNG bytes to 8-bit pixels in the file's own channel count (16-bit files are rescaled to 8). */
export function decodePngBytes(bytes: Uint8Array): DecodedImage {
  const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const { width, height, data } = png; // data is always RGBA
  const channels = ((png.color ? 3 : 1) + (png.alpha ? 1 : 0)) as 1 | 2 | 3 | 4;
  const pixels = new Uint8Array(width * height * channels);
  for (let p = 0, o = 0; p < width * height; p++) {
    const s = 4 * p;
    if (png.color) {
      pixels[o++] = data[s]!;
      pixels[o++] = data[s + 1]!;
      pixels[o++] = data[s + 2]!;
    } else {
      pixels[o++] = data[s]!;
    }
    if (png.alpha) pixels[o++] = data[s + 3]!;
  }
  return { pixels, width, height, channels };
}

/** Reads and decodes a PNG file. */
export async function decodePng(path: string): Promise<DecodedImage> {
  return decodePngBytes(await readFile(path));
}
