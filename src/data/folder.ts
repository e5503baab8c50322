// Image folders: root/<class>/*.png (labels = sorted sub-folder names), or root/*.png without labels.
// Images are decoded with pngjs, center-cropped / resized to one size, and either loaded into memory as bytes
// or, for folders larger than memory, streamed: read() decodes only the files of the requested batch.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import pngjs from "pngjs";
import { dataError, DataError } from "./errors.js";
import { readDataFile, readDataFileAsync, requireDirectory } from "./fileio.js";
import { ArraySource } from "./memory.js";
import type { DataSource } from "./types.js";

const { PNG } = pngjs;

export type ResizeMode = "bilinear" | "nearest";

export interface ImageFolderOptions {
  /** Output size: a number for square images or [height, width]. Default: the images' own size (all must agree). */
  size?: number | readonly [number, number];
  /** Resampling used when resizing (default "bilinear"). */
  resize?: ResizeMode;
  /** "center" (default): crop the largest centred region with the output's aspect ratio before resizing; "none": stretch. */
  crop?: "center" | "none";
  /** 1 = grayscale (ITU-R 601 luma), 3 = RGB. Default: 3 if the first image is a colour PNG, else 1. Alpha is ignored. */
  channels?: 1 | 3;
  /** true: decode files on demand per batch; false: load everything now; "auto" (default): stream above maxInMemoryBytes. */
  stream?: boolean | "auto";
  /** Threshold for stream: "auto" (default 1 GiB of uint8 pixels). */
  maxInMemoryBytes?: number;
  /** Files read at once while streaming a batch (default 32). */
  concurrency?: number;
  name?: string;
}

interface Decoded {
  width: number;
  height: number;
  rgba: Uint8Array;
  color: boolean;
}

function decodePng(path: string, buf: Buffer): Decoded {
  try {
    const png = PNG.sync.read(buf);
    return { width: png.width, height: png.height, rgba: png.data, color: png.color };
  } catch (err) {
    throw dataError(path, `not a valid PNG image (${(err as Error).message})`, "Re-encode or remove the file.");
  }
}

function isPng(name: string): boolean {
  return name.toLowerCase().endsWith(".png") && !name.startsWith(".");
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Lists root/<class>/*.png (sorted classes, sorted files) or root/*.png. */
export function scanImageFolder(root: string): { files: string[]; labels?: Int32Array; classNames?: string[] } {
  requireDirectory(root, "image folder");
  const names = readdirSync(root).sort();
  const classes = names.filter((n) => !n.startsWith(".") && isDir(join(root, n)));
  if (classes.length === 0) {
    const files = names.filter(isPng).map((n) => join(root, n));
    if (files.length === 0) throw dataError(root, "empty folder: no .png images found", "Put images in <root>/<class>/*.png (or <root>/*.png for unlabeled data).");
    return { files };
  }
  const files: string[] = [];
  const labels: number[] = [];
  classes.forEach((cls, k) => {
    const dir = join(root, cls);
    const pngs = readdirSync(dir).filter(isPng).sort();
    if (pngs.length === 0) throw dataError(dir, `class folder "${cls}" contains no .png images`, "Add images to it or remove it.");
    for (const f of pngs) {
      files.push(join(dir, f));
      labels.push(k);
    }
  });
  return { files, labels: Int32Array.from(labels), classNames: classes };
}

/** Resampling plan from a source image size to the output size: per output column/row, source indices and weights. */
interface Plan {
  x0: Int32Array;
  x1: Int32Array;
  tx: Float32Array;
  y0: Int32Array;
  y1: Int32Array;
  ty: Float32Array;
}

function axisPlan(srcLen: number, start: number, extent: number, outLen: number, mode: ResizeMode): [Int32Array, Int32Array, Float32Array] {
  const i0 = new Int32Array(outLen);
  const i1 = new Int32Array(outLen);
  const t = new Float32Array(outLen);
  const step = extent / outLen;
  for (let j = 0; j < outLen; j++) {
    // Pixel centres: output pixel j covers [start + j*step, start + (j+1)*step) of the source.
    const centre = start + (j + 0.5) * step;
    if (mode === "nearest") {
      const k = Math.min(srcLen - 1, Math.max(0, Math.floor(centre)));
      i0[j] = k;
      i1[j] = k;
    } else {
      const s = centre - 0.5;
      const lo = Math.floor(s);
      t[j] = s - lo;
      i0[j] = Math.min(srcLen - 1, Math.max(0, lo));
      i1[j] = Math.min(srcLen - 1, Math.max(0, lo + 1));
    }
  }
  return [i0, i1, t];
}

function makePlan(w: number, h: number, outH: number, outW: number, mode: ResizeMode, crop: "center" | "none"): Plan {
  let cx = 0, cy = 0, cw = w, ch = h;
  if (crop === "center") {
    const aspect = outW / outH;
    if (w / h > aspect) {
      cw = h * aspect;
      cx = (w - cw) / 2;
    } else {
      ch = w / aspect;
      cy = (h - ch) / 2;
    }
  }
  const [x0, x1, tx] = axisPlan(w, cx, cw, outW, mode);
  const [y0, y1, ty] = axisPlan(h, cy, ch, outH, mode);
  return { x0, x1, tx, y0, y1, ty };
}

/** Writes one image as C×H×W bytes (quantized to 0..255 so that streamed and in-memory folders agree exactly). */
function render(img: Decoded, plan: Plan, channels: 1 | 3, outH: number, outW: number, out: Uint8Array, offset: number): void {
  const { rgba, width } = img;
  const { x0, x1, tx, y0, y1, ty } = plan;
  const plane = outH * outW;
  for (let c = 0; c < channels; c++) {
    const o = offset + c * plane;
    for (let i = 0; i < outH; i++) {
      const r0 = y0[i] * width, r1 = y1[i] * width, fy = ty[i];
      for (let j = 0; j < outW; j++) {
        const fx = tx[j];
        const a = pix(rgba, r0 + x0[j], c, channels), b = pix(rgba, r0 + x1[j], c, channels);
        const d = pix(rgba, r1 + x0[j], c, channels), e = pix(rgba, r1 + x1[j], c, channels);
        const top = a + (b - a) * fx;
        const bottom = d + (e - d) * fx;
        out[o + i * outW + j] = Math.round(top + (bottom - top) * fy);
      }
    }
  }
}

function pix(rgba: Uint8Array, p: number, c: number, channels: number): number {
  const q = 4 * p;
  // Luma as in ITU-R BT.601 (what PIL's "L" mode uses).
  return channels === 1 ? 0.299 * rgba[q] + 0.587 * rgba[q + 1] + 0.114 * rgba[q + 2] : rgba[q + c];
}

export class ImageFolderSource implements DataSource {
  readonly name: string;
  readonly n: number;
  readonly exampleShape: readonly number[];
  readonly numClasses?: number;
  readonly classNames?: readonly string[];
  /** The image files, in example order. */
  readonly files: readonly string[];
  /** True when read() decodes files on demand (async) instead of copying from memory. */
  readonly streaming: boolean;
  private readonly labelData?: Int32Array;
  private readonly memory?: ArraySource;
  private readonly channels: 1 | 3;
  private readonly outH: number;
  private readonly outW: number;
  private readonly fixedSize: boolean;
  private readonly mode: ResizeMode;
  private readonly crop: "center" | "none";
  private readonly concurrency: number;
  private readonly reference: string;
  private readonly plans = new Map<string, Plan>();

  constructor(root: string, options: ImageFolderOptions = {}) {
    const scan = scanImageFolder(root);
    this.name = options.name ?? `folder:${root}`;
    this.files = Object.freeze(scan.files);
    this.n = scan.files.length;
    if (scan.labels) {
      this.labelData = scan.labels;
      this.classNames = Object.freeze(scan.classNames!);
      this.numClasses = scan.classNames!.length;
    }
    this.mode = options.resize ?? "bilinear";
    this.crop = options.crop ?? "center";
    if (this.mode !== "bilinear" && this.mode !== "nearest") throw new DataError(`${this.name}: unknown resize mode "${this.mode as string}"; use "bilinear" or "nearest"`, root);
    if (this.crop !== "center" && this.crop !== "none") throw new DataError(`${this.name}: unknown crop "${this.crop as string}"; use "center" or "none"`, root);
    this.concurrency = Math.max(1, options.concurrency ?? 32);

    // The first image fixes the default channels and (without `size`) the size every image must have.
    this.reference = scan.files[0];
    const first = decodePng(this.reference, readDataFile(this.reference, "image"));
    this.channels = options.channels ?? (first.color ? 3 : 1);
    if (this.channels !== 1 && this.channels !== 3) throw new DataError(`${this.name}: channels must be 1 or 3, got ${this.channels as number}`, root);
    if (options.size !== undefined) {
      const [h, w] = typeof options.size === "number" ? [options.size, options.size] : options.size;
      if (!(Number.isInteger(h) && Number.isInteger(w) && h > 0 && w > 0)) throw new DataError(`${this.name}: size must be positive integers, got ${String(options.size)}`, root);
      this.outH = h;
      this.outW = w;
      this.fixedSize = true;
    } else {
      this.outH = first.height;
      this.outW = first.width;
      this.fixedSize = false;
    }
    this.exampleShape = Object.freeze([this.channels, this.outH, this.outW]);
    const bytes = this.n * this.channels * this.outH * this.outW;
    const stream = options.stream ?? "auto";
    this.streaming = stream === "auto" ? bytes > (options.maxInMemoryBytes ?? 2 ** 30) : stream;
    if (!this.streaming) {
      const data = new Uint8Array(bytes);
      const d = this.channels * this.outH * this.outW;
      for (let i = 0; i < this.n; i++) {
        const img = i === 0 ? first : decodePng(scan.files[i], readDataFile(scan.files[i], "image"));
        this.renderInto(scan.files[i], img, data, i * d);
      }
      this.memory = new ArraySource(data, this.exampleShape, { name: this.name, labels: this.labelData, classNames: this.classNames });
    }
  }

  private renderInto(path: string, img: Decoded, out: Uint8Array, offset: number): void {
    if (!this.fixedSize && (img.width !== this.outW || img.height !== this.outH)) {
      throw dataError(path, `image is ${img.width}×${img.height} but ${this.reference} is ${this.outW}×${this.outH}; images of differing sizes need a common size`, `Pass a size (e.g. size: ${this.outH}, or folder:<dir>?size=${this.outH}) to resize them all.`);
    }
    const key = `${img.width}x${img.height}`;
    let plan = this.plans.get(key);
    if (!plan) {
      plan = makePlan(img.width, img.height, this.outH, this.outW, this.mode, this.crop);
      this.plans.set(key, plan);
    }
    render(img, plan, this.channels, this.outH, this.outW, out, offset);
  }

  read(indices: Int32Array, out: Float32Array, labels?: Int32Array): void | Promise<void> {
    if (this.memory) return this.memory.read(indices, out, labels);
    return this.readStreaming(indices, out, labels);
  }

  private async readStreaming(indices: Int32Array, out: Float32Array, labels?: Int32Array): Promise<void> {
    const d = this.channels * this.outH * this.outW;
    for (let b = 0; b < indices.length; b++) {
      if (!(indices[b] >= 0 && indices[b] < this.n)) throw new DataError(`${this.name}: index ${indices[b]} out of range [0, ${this.n})`);
    }
    const bytes = new Uint8Array(indices.length * d);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < indices.length) {
        const b = next++;
        const path = this.files[indices[b]];
        const img = decodePng(path, await readDataFileAsync(path, "image"));
        this.renderInto(path, img, bytes, b * d);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, indices.length) }, worker));
    const inv = 1 / 255;
    for (let k = 0; k < bytes.length; k++) out[k] = bytes[k] * inv;
    if (labels && this.labelData) for (let b = 0; b < indices.length; b++) labels[b] = this.labelData[indices[b]];
  }
}

/** Loads (or, for large folders, streams) a folder of PNG images. */
export function imageFolder(root: string, options: ImageFolderOptions = {}): ImageFolderSource {
  return new ImageFolderSource(root, options);
}
