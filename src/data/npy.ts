// NumPy .npy arrays: little-endian float32/float64/uint8 (and integer label arrays), C order.
// Format: "\x93NUMPY", version, header length, a Python-dict header {'descr','fortran_order','shape'}, then raw data.
import { dataError, DataError } from "./errors.js";
import { readDataFile } from "./fileio.js";
import { ArraySource } from "./memory.js";

export type NpyData = Float32Array | Float64Array | Uint8Array | Int32Array;

export interface NpyArray {
  /** The dtype string of the header, e.g. "<f4". */
  descr: string;
  shape: number[];
  data: NpyData;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93 N U M P Y

// Element kinds: byte size and how to view them once copied into an aligned buffer.
const KINDS: Record<string, { bytes: number; view: (ab: ArrayBuffer) => NpyData; integer: boolean }> = {
  f4: { bytes: 4, view: (ab) => new Float32Array(ab), integer: false },
  f8: { bytes: 8, view: (ab) => new Float64Array(ab), integer: false },
  u1: { bytes: 1, view: (ab) => new Uint8Array(ab), integer: true },
  b1: { bytes: 1, view: (ab) => new Uint8Array(ab), integer: true },
  i1: { bytes: 1, view: (ab) => Int32Array.from(new Int8Array(ab)), integer: true },
  i2: { bytes: 2, view: (ab) => Int32Array.from(new Int16Array(ab)), integer: true },
  u2: { bytes: 2, view: (ab) => Int32Array.from(new Uint16Array(ab)), integer: true },
  i4: { bytes: 4, view: (ab) => new Int32Array(ab), integer: true },
  i8: { bytes: 8, view: (ab) => int64ToInt32(new BigInt64Array(ab)), integer: true },
};

function int64ToInt32(a: BigInt64Array): Int32Array {
  const out = new Int32Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (v > 2147483647n || v < -2147483648n) throw new RangeError(`int64 value ${v} at element ${i} does not fit in int32`);
    out[i] = Number(v);
  }
  return out;
}

/** Parses .npy bytes. Integer dtypes come back as Int32Array (uint8/bool as Uint8Array). */
export function parseNpy(buf: Uint8Array, path: string): NpyArray {
  if (buf.length < 10 || MAGIC.some((b, i) => buf[i] !== b)) {
    throw dataError(path, buf.length < 10 ? `file is ${buf.length} bytes, too short for a .npy header (truncated or empty)` : "not a .npy file (missing the \\x93NUMPY magic string)", "Save the array with numpy.save().");
  }
  const major = buf[6];
  if (major < 1 || major > 3) throw dataError(path, `unsupported .npy format version ${major}.${buf[7]}`);
  const lenBytes = major === 1 ? 2 : 4;
  const headerLen = major === 1 ? buf[8] | (buf[9] << 8) : (buf[8] | (buf[9] << 8) | (buf[10] << 16) | (buf[11] << 24)) >>> 0;
  const dataStart = 8 + lenBytes + headerLen;
  if (buf.length < dataStart) throw dataError(path, `truncated: the header needs ${dataStart} bytes but the file has ${buf.length}`, "Save the array again.");
  const header = new TextDecoder(major === 3 ? "utf-8" : "latin1").decode(buf.subarray(8 + lenBytes, dataStart));
  const descrM = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(header);
  const fortranM = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(header);
  const shapeM = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(header);
  if (!descrM || !fortranM || !shapeM) {
    const structured = /['"]descr['"]\s*:\s*\[/.test(header);
    throw dataError(path, structured ? "structured (record) dtypes are not supported" : `cannot parse the .npy header ${JSON.stringify(header.trim())}`, "Save a plain numeric array.");
  }
  const descr = descrM[1];
  if (fortranM[1] === "True") throw dataError(path, "array is in Fortran (column-major) order", "Save it with numpy.save(path, numpy.ascontiguousarray(a)).");
  const shape = shapeM[1].split(",").map((s) => s.trim()).filter((s) => s.length > 0).map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw dataError(path, `bad shape (${shapeM[1]}) in the .npy header`);
  const order = descr[0];
  const kindName = descr.slice(1);
  const kind = KINDS[kindName];
  if (!kind || !"<>|=".includes(order)) {
    throw dataError(path, `unsupported dtype "${descr}"`, "Convert it to float32, float64 or uint8 (e.g. a.astype(numpy.float32)).");
  }
  if (order === ">" && kind.bytes > 1) throw dataError(path, `big-endian dtype "${descr}" is not supported`, `Convert it with a.astype("<${kindName}").`);
  const count = shape.reduce((a, b) => a * b, 1);
  const bytes = count * kind.bytes;
  const have = buf.length - dataStart;
  if (have < bytes) throw dataError(path, `truncated: shape (${shape.join(", ")}) of ${descr} needs ${bytes} data bytes but the file has ${have}`, "Save the array again.");
  // Copy into a fresh (aligned) buffer so typed-array views are legal whatever the header length.
  const ab = new ArrayBuffer(bytes);
  new Uint8Array(ab).set(buf.subarray(dataStart, dataStart + bytes));
  let data: NpyData;
  try {
    data = kind.view(ab);
  } catch (err) {
    throw dataError(path, (err as Error).message);
  }
  return { descr, shape, data };
}

/** Reads a .npy file (raw or gzip). */
export function readNpy(path: string): NpyArray {
  return parseNpy(readDataFile(path, ".npy file"), path);
}

/** Encodes a little-endian, C-order .npy (version 1.0) file. */
export function encodeNpy(shape: readonly number[], data: Float32Array | Float64Array | Uint8Array | Int32Array): Buffer {
  const descr = data instanceof Float32Array ? "<f4" : data instanceof Float64Array ? "<f8" : data instanceof Int32Array ? "<i4" : "|u1";
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new DataError(`encodeNpy: shape (${shape.join(", ")}) needs ${count} elements, got ${data.length}`);
  const shapeStr = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeStr}, }`;
  // Pad with spaces so that magic + version + length + header (ending in \n) is a multiple of 64.
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, " ") + "\n";
  const out = Buffer.alloc(total + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  out.writeUInt16LE(header.length, 8);
  out.write(header, 10, "latin1");
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), total);
  return out;
}

/** Throws a DataError naming the first non-finite element. */
export function checkFinite(data: ArrayLike<number>, path: string, exampleSize: number): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v - v !== 0) {
      const ex = Math.floor(i / exampleSize);
      throw dataError(path, `non-finite value ${v} at element ${i} (example ${ex}, position ${i - ex * exampleSize})`, "Remove or replace NaN/Inf values (e.g. numpy.nan_to_num) before saving.");
    }
  }
}

export interface NpyOptions {
  /** Labels: a path to an integer .npy array with one label per example, or the labels themselves. */
  labels?: string | Int32Array;
  /** uint8 data is scaled by 1/255 into [0,1] (default true); false keeps 0..255. */
  scaleBytes?: boolean;
  name?: string;
}

/** Loads a .npy array as a source: axis 0 indexes examples, the rest is the example shape (a 1-D array gives [1]). */
export function npy(path: string, options: NpyOptions = {}): ArraySource {
  const arr = readNpy(path);
  if (arr.shape.length === 0) throw dataError(path, "array is a scalar; it needs an examples axis", "Save an array of shape (n, ...).");
  const exampleShape = arr.shape.length === 1 ? [1] : arr.shape.slice(1);
  const d = exampleShape.reduce((a, b) => a * b, 1);
  let data: Float32Array | Uint8Array;
  if (arr.data instanceof Uint8Array && arr.descr.endsWith("u1") && options.scaleBytes !== false) {
    data = arr.data;
  } else if (arr.data instanceof Float32Array) {
    checkFinite(arr.data, path, d);
    data = arr.data;
  } else {
    if (arr.data instanceof Float64Array) checkFinite(arr.data, path, d);
    data = Float32Array.from(arr.data);
    if (arr.data instanceof Float64Array) {
      for (let i = 0; i < data.length; i++) {
        if (!Number.isFinite(data[i])) {
          throw dataError(path, `value ${arr.data[i]} at element ${i} overflows float32`, "Rescale the data before saving.");
        }
      }
    }
  }
  let labels: Int32Array | undefined;
  if (options.labels !== undefined) {
    const labelPath = typeof options.labels === "string" ? options.labels : `${path} (labels)`;
    labels = typeof options.labels === "string" ? npyLabels(options.labels) : options.labels;
    const n = arr.shape[0];
    if (labels.length !== n) throw dataError(labelPath, `label/example count mismatch: ${labels.length} labels but ${path} has ${n} examples`, "Give one label per example.");
  }
  return new ArraySource(data, exampleShape, { name: options.name ?? `npy:${path}`, labels });
}

/** Reads a 1-D integer (or integral float) .npy array of non-negative class labels. */
export function npyLabels(path: string): Int32Array {
  const arr = readNpy(path);
  if (arr.shape.length !== 1) throw dataError(path, `labels must be a 1-D array, got shape (${arr.shape.join(", ")})`, "Save labels as a vector of class indices.");
  const out = new Int32Array(arr.data.length);
  for (let i = 0; i < arr.data.length; i++) {
    const v = arr.data[i];
    if (!Number.isInteger(v) || v < 0) throw dataError(path, `label ${v} at element ${i} is not a non-negative integer class index`, "Encode labels as 0..K-1.");
    out[i] = v;
  }
  return out;
}
