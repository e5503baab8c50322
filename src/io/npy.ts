// NumPy .npy writer, format version 1.0, so samples written by Eikon load with numpy.load.
import { writeFileAtomic } from "./atomic.js";
import { writeLittleEndian } from "./bytes.js";

export type NpyData = Float32Array | Float64Array | Uint8Array | Int32Array;

function descr(data: NpyData): string {
  if (data instanceof Float32Array) return "<f4";
  if (data instanceof Float64Array) return "<f8";
  if (data instanceof Int32Array) return "<i4";
  if (data instanceof Uint8Array) return "|u1"; // single bytes have no byte order
  throw new TypeError(`encodeNpy: unsupported data type ${(data as object)?.constructor?.name}`);
}

/** Python's repr of a tuple of ints: "()", "(3,)", "(2, 3)". */
function pythonTuple(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
}

/** The 10-byte preamble plus the header dict, space-padded and newline-terminated to a multiple of 64 bytes. */
export function npyHeader(descrCode: string, shape: readonly number[]): Uint8Array {
  const dict = `{'descr': '${descrCode}', 'fortran_order': False, 'shape': ${pythonTuple(shape)}, }`;
  const unpadded = 10 + dict.length + 1;
  const headerLength = dict.length + ((64 - (unpadded % 64)) % 64) + 1;
  if (headerLength > 0xffff) throw new RangeError(`encodeNpy: header of ${headerLength} bytes exceeds format 1.0's limit`);
  const out = new Uint8Array(10 + headerLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]); // \x93NUMPY, version 1.0
  new DataView(out.buffer).setUint16(8, headerLength, true);
  out.set(new TextEncoder().encode(dict), 10); // the dict is pure ASCII
  out.fill(0x20, 10 + dict.length, out.length - 1);
  out[out.length - 1] = 0x0a;
  return out;
}

/** Serializes a C-order array of `shape` ([] for a scalar) to .npy bytes. */
export function encodeNpy(data: NpyData, shape: readonly number[]): Uint8Array {
  const code = descr(data);
  if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new RangeError(`encodeNpy: invalid shape ${JSON.stringify(shape)}`);
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new RangeError(`encodeNpy: shape (${shape.join(", ")}) needs ${count} elements, got ${data.length}`);
  const header = npyHeader(code, shape);
  const out = new Uint8Array(header.length + data.byteLength);
  out.set(header);
  writeLittleEndian(data, out.subarray(header.length));
  return out;
}

/** Writes a .npy file atomically. */
export async function saveNpy(path: string, data: NpyData, shape: readonly number[]): Promise<void> {
  await writeFileAtomic(path, encodeNpy(data, shape));
}
