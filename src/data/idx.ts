// IDX files (the MNIST family's format: MNIST, Fashion-MNIST, EMNIST, KMNIST), raw or gzip-compressed.
// Layout: magic 00 00 <type> <ndims>, then ndims big-endian uint32 sizes, then the row-major data.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { dataError, DataError } from "./errors.js";
import { readDataFile, requireDirectory } from "./fileio.js";
import { ArraySource } from "./memory.js";

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

const TYPE_NAMES: Record<number, string> = {
  0x08: "unsigned byte",
  0x09: "signed byte",
  0x0b: "int16",
  0x0c: "int32",
  0x0d: "float32",
  0x0e: "float64",
};

/** Parses IDX bytes (unsigned-byte element type). `expectDims` checks the number of dimensions. */
export function parseIdx(buf: Uint8Array, path: string, expectDims?: number, role = "IDX data"): IdxArray {
  if (buf.length < 4) {
    throw dataError(path, `file is ${buf.length} bytes, too short for an IDX header (truncated or empty)`, "Download the file again.");
  }
  const magic = ((buf[0] << 24) | (buf[1] << 16) | (buf[2] << 8) | buf[3]) >>> 0;
  const magicHex = "0x" + magic.toString(16).padStart(8, "0");
  const expectedMagic = expectDims === undefined ? "0x00000801 (labels) or 0x00000803 (images)" : "0x" + (0x800 + expectDims).toString(16).padStart(8, "0");
  if (buf[0] !== 0 || buf[1] !== 0 || TYPE_NAMES[buf[2]] === undefined) {
    throw dataError(path, `wrong magic number ${magicHex}: not an IDX file (expected ${expectedMagic} for ${role})`, "Check that this is an uncompressed or .gz IDX file such as train-images-idx3-ubyte.");
  }
  if (buf[2] !== 0x08) {
    throw dataError(path, `IDX element type ${TYPE_NAMES[buf[2]]} (magic ${magicHex}) is not supported; only unsigned-byte IDX files (the MNIST family) are`);
  }
  const ndims = buf[3];
  if (expectDims !== undefined && ndims !== expectDims) {
    const hint = ndims === 1 ? " — this looks like a labels file" : ndims === 3 ? " — this looks like an images file" : "";
    throw dataError(path, `magic number ${magicHex} says ${ndims} dimension(s), but ${role} need ${expectDims} (expected magic ${expectedMagic})${hint}`, "Check that the images and labels paths are not swapped.");
  }
  const header = 4 + 4 * ndims;
  if (buf.length < header) {
    throw dataError(path, `file is ${buf.length} bytes, too short for an IDX header with ${ndims} dimensions (truncated)`, "Download the file again.");
  }
  const dims: number[] = [];
  let size = 1;
  for (let k = 0; k < ndims; k++) {
    const o = 4 + 4 * k;
    const d = ((buf[o] << 24) | (buf[o + 1] << 16) | (buf[o + 2] << 8) | buf[o + 3]) >>> 0;
    dims.push(d);
    size *= d;
  }
  const have = buf.length - header;
  if (have < size) {
    throw dataError(path, `truncated: dimensions [${dims.join(", ")}] need ${size} data bytes but the file has ${have}`, "Download the file again.");
  }
  if (have > size) {
    throw dataError(path, `${have - size} unexpected bytes after the data (dimensions [${dims.join(", ")}] need ${size} data bytes); the file is corrupt`, "Download the file again.");
  }
  return { dims, data: new Uint8Array(buf.buffer, buf.byteOffset + header, size) };
}

/** Reads an IDX file (raw or gzip). */
export function readIdx(path: string, expectDims?: number, role?: string): IdxArray {
  return parseIdx(readDataFile(path, role ? `IDX ${role} file` : "IDX file"), path, expectDims, role);
}

/** Encodes an unsigned-byte IDX file (for fixtures and exports). */
export function encodeIdx(dims: readonly number[], data: Uint8Array): Buffer {
  const size = dims.reduce((a, b) => a * b, 1);
  if (size !== data.length) throw new DataError(`encodeIdx: dimensions [${dims.join(", ")}] need ${size} bytes, got ${data.length}`);
  const out = Buffer.alloc(4 + 4 * dims.length + size);
  out[2] = 0x08;
  out[3] = dims.length;
  dims.forEach((d, k) => out.writeUInt32BE(d, 4 + 4 * k));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

export type Split = "train" | "test";

export interface IdxFiles {
  images: string;
  labels?: string;
}

const IDX_NAME = /^(?:(.*?)[-_.])?(train|t10k|test)[-_.](images|labels)[-_.](idx[13])[-_.]ubyte(\.gz)?$/i;

/**
 * Finds the images/labels IDX pair of a split in a directory: `[<prefix>-]{train|t10k|test}-images-idx3-ubyte[.gz]`
 * and the matching `-labels-idx1-ubyte[.gz]` (MNIST, Fashion-MNIST, KMNIST, EMNIST naming). With several
 * prefixes in one directory (EMNIST's balanced/letters/...), `prefix` picks one.
 */
export function findIdxFiles(dir: string, split: Split = "train", prefix?: string): Required<IdxFiles> {
  requireDirectory(dir, "IDX dataset folder");
  const wanted = split === "train" ? ["train"] : ["t10k", "test"];
  const found = new Map<string, { images: string[]; labels: string[] }>();
  for (const name of readdirSync(dir).sort()) {
    const m = IDX_NAME.exec(name);
    if (!m) continue;
    const [, pre = "", sp, kind, idxN] = m;
    if (!wanted.includes(sp.toLowerCase())) continue;
    if ((kind.toLowerCase() === "images") !== (idxN.toLowerCase() === "idx3")) continue;
    if (prefix !== undefined && pre !== prefix) continue;
    const entry = found.get(pre) ?? { images: [], labels: [] };
    (kind.toLowerCase() === "images" ? entry.images : entry.labels).push(name);
    found.set(pre, entry);
  }
  const complete = [...found.entries()].filter(([, e]) => e.images.length > 0 && e.labels.length > 0);
  const pattern = `${wanted.join("|")}-images-idx3-ubyte[.gz] and ${wanted.join("|")}-labels-idx1-ubyte[.gz]`;
  if (complete.length === 0) {
    const partial = [...found.values()].flatMap((e) => [...e.images, ...e.labels]);
    const what = partial.length > 0 ? `found only ${partial.join(", ")} for the ${split} split` : `no IDX files for the ${split} split`;
    throw dataError(dir, `${what}${prefix !== undefined ? ` with prefix "${prefix}"` : ""}; expected files named like ${pattern}`, "Put both the images and the labels file of the split in this folder.");
  }
  if (complete.length > 1) {
    const names = complete.map(([p]) => `"${p}"`).join(", ");
    throw dataError(dir, `several IDX datasets for the ${split} split (prefixes ${names})`, "Pick one with the prefix option, e.g. idx:<dir>?prefix=" + complete[0][0] + ".");
  }
  const e = complete[0][1];
  // Prefer the uncompressed file when both it and its .gz are present.
  const pick = (names: string[]) => join(dir, names.find((n) => !n.toLowerCase().endsWith(".gz")) ?? names[0]);
  return { images: pick(e.images), labels: pick(e.labels) };
}

export interface IdxOptions {
  /** Directory holding the IDX files (found by name), or give `images` (and `labels`) explicitly. */
  dir?: string;
  images?: string;
  labels?: string;
  split?: Split;
  /** File-name prefix when a directory holds several datasets (EMNIST). */
  prefix?: string;
  /** Transpose each image (EMNIST's IDX files store images column-major). */
  transpose?: boolean;
  name?: string;
}

/** Loads an IDX image set (and its labels) into memory as bytes; batches come out as float32 in [0,1], shape [1,H,W]. */
export function idx(options: IdxOptions | string): ArraySource {
  const opts: IdxOptions = typeof options === "string" ? { dir: options } : options;
  let files: IdxFiles;
  if (opts.images !== undefined) {
    files = { images: opts.images, labels: opts.labels };
  } else if (opts.dir !== undefined) {
    files = findIdxFiles(opts.dir, opts.split ?? "train", opts.prefix);
  } else {
    throw new DataError("idx: give either a directory (dir) or the images file path (images, and optionally labels)");
  }
  return loadIdxPair(files, opts.name ?? `idx:${opts.dir ?? files.images}${opts.split ? `:${opts.split}` : ""}`, opts.transpose ?? false);
}

/** Reads an images/labels IDX pair and checks they agree. */
export function loadIdxPair(files: IdxFiles, name: string, transpose = false): ArraySource {
  const images = readIdx(files.images, 3, "images");
  const [n, rows, cols] = images.dims;
  let data = images.data;
  if (transpose) {
    const t = new Uint8Array(data.length);
    const d = rows * cols;
    for (let i = 0; i < n; i++) {
      const o = i * d;
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[o + c * rows + r] = data[o + r * cols + c];
    }
    data = t;
  }
  const shape = transpose ? [1, cols, rows] : [1, rows, cols];
  if (files.labels === undefined) return new ArraySource(data, shape, { name });
  const labels = readIdx(files.labels, 1, "labels");
  if (labels.dims[0] !== n) {
    throw dataError(files.labels, `label/image count mismatch: ${labels.dims[0]} labels but ${files.images} has ${n} images`, "Use the labels file of the same split as the images.");
  }
  return new ArraySource(data, shape, { name, labels: labels.data });
}
