// The safetensors format: u64 LE header length N, N bytes of JSON header (space-padded to a multiple of 8),
// then the tensors' little-endian bytes, contiguous, with data_offsets relative to the start of that buffer.
// Layout and header text match the reference implementation, so PyTorch's safetensors.torch reads these files.
import { readFile } from "node:fs/promises";
import { writeFileAtomic } from "./atomic.js";
import { readLittleEndian, writeLittleEndian } from "./bytes.js";
import {
  FROM_SAFETENSORS,
  LAYOUT_RANK,
  SAFETENSORS_DTYPE_SIZE,
  TO_SAFETENSORS,
  bfloat16ToFloat,
  halfToFloat,
} from "./safetensors-dtypes.js";
import { DATA_CLASS, elementCount, formatShape, isValidShape, type NamedTensor } from "./tensor.js";

export class SafetensorsError extends Error {
  override name = "SafetensorsError";
  /** The file (or in-memory source name) the problem was found in. */
  readonly file: string;
  constructor(file: string, message: string) {
    super(message);
    this.file = file;
  }
}

export interface SafetensorsContents {
  tensors: Record<string, NamedTensor>;
  metadata: Record<string, string>;
}

const METADATA_KEY = "__metadata__";

function checkTensor(name: string, t: NamedTensor): void {
  if (name === "" || name === METADATA_KEY) throw new RangeError(`encodeSafetensors: invalid tensor name '${name}'`);
  const cls = DATA_CLASS[t.dtype];
  if (cls === undefined) throw new TypeError(`encodeSafetensors: tensor '${name}' has unknown dtype '${String(t.dtype)}'`);
  if (!(t.data instanceof cls)) {
    throw new TypeError(`encodeSafetensors: tensor '${name}' has dtype ${t.dtype}, so its data must be a ${cls.name}, got ${t.data?.constructor?.name}`);
  }
  if (!isValidShape(t.shape)) throw new RangeError(`encodeSafetensors: tensor '${name}' has invalid shape ${JSON.stringify(t.shape)}`);
  if (elementCount(t.shape) !== BigInt(t.data.length)) {
    throw new RangeError(`encodeSafetensors: tensor '${name}' has shape ${formatShape(t.shape)} but ${t.data.length} elements`);
  }
}

/** Orders names the way the reference implementation does (Rust string order = UTF-8 byte order). */
function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/** Serializes tensors (and optional string metadata) to safetensors bytes. */
export function encodeSafetensors(tensors: Record<string, NamedTensor>, metadata?: Record<string, string>): Uint8Array {
  const entries = Object.entries(tensors);
  for (const [name, t] of entries) checkTensor(name, t);
  entries.sort(([a, ta], [b, tb]) => LAYOUT_RANK[tb.dtype] - LAYOUT_RANK[ta.dtype] || compareNames(a, b));

  const fields: string[] = [];
  if (metadata !== undefined) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== "string") throw new TypeError(`encodeSafetensors: metadata '${k}' must be a string, got ${typeof v}`);
    }
    fields.push(`${JSON.stringify(METADATA_KEY)}:${JSON.stringify(metadata)}`);
  }
  let offset = 0;
  for (const [name, t] of entries) {
    const end = offset + t.data.byteLength;
    // Built by hand so key order is exactly dtype, shape, data_offsets, as the reference writes it.
    const info = `{"dtype":"${TO_SAFETENSORS[t.dtype]}","shape":[${t.shape.join(",")}],"data_offsets":[${offset},${end}]}`;
    fields.push(`${JSON.stringify(name)}:${info}`);
    offset = end;
  }
  const json = new TextEncoder().encode(`{${fields.join(",")}}`);
  const headerLength = json.length + ((8 - (json.length % 8)) % 8);

  const out = new Uint8Array(8 + headerLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let at = 8 + headerLength;
  for (const [, t] of entries) {
    const dst = out.subarray(at, at + t.data.byteLength);
    writeLittleEndian(t.data, dst);
    if (t.dtype === "bool") for (let i = 0; i < dst.length; i++) dst[i] = dst[i] ? 1 : 0;
    at += t.data.byteLength;
  }
  return out;
}

interface HeaderEntry {
  name: string;
  code: string;
  shape: number[];
  begin: number;
  end: number;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function parseHeader(bytes: Uint8Array, fail: (problem: string) => never): { header: Record<string, unknown>; dataStart: number } {
  if (bytes.length < 8) fail(`file is ${bytes.length} bytes long, shorter than the 8-byte header length that starts a safetensors file`);
  const n = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true);
  if (n > BigInt(bytes.length - 8)) {
    fail(`header length ${n} is larger than the ${bytes.length - 8} bytes after it: truncated or not a safetensors file`);
  }
  const dataStart = 8 + Number(n);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, dataStart));
  } catch {
    fail("header is not valid UTF-8: not a safetensors file");
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (err) {
    fail(`header is not valid JSON (${(err as Error).message}): corrupt or not a safetensors file`);
  }
  if (!isObject(header)) fail("header is JSON but not an object: corrupt or not a safetensors file");
  return { header, dataStart };
}

function parseMetadata(value: unknown, fail: (problem: string) => never): Record<string, string> {
  if (!isObject(value)) fail(`${METADATA_KEY} must be an object mapping strings to strings`);
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== "string") fail(`${METADATA_KEY} value for '${k}' must be a string, got ${JSON.stringify(v)}`);
  }
  return { ...(value as Record<string, string>) };
}

function parseEntry(name: string, value: unknown, fail: (problem: string) => never): HeaderEntry {
  if (!isObject(value)) fail(`entry for tensor '${name}' is not an object`);
  const { dtype, shape, data_offsets: offsets } = value;
  if (typeof dtype !== "string") fail(`tensor '${name}' has no dtype string`);
  const size = SAFETENSORS_DTYPE_SIZE[dtype];
  if (size === undefined || !Object.hasOwn(SAFETENSORS_DTYPE_SIZE, dtype)) fail(`tensor '${name}' has unknown dtype ${JSON.stringify(dtype)}`);
  if (!isValidShape(shape)) fail(`tensor '${name}' has invalid shape ${JSON.stringify(shape)}`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !isValidShape(offsets) || offsets[0]! > offsets[1]!) {
    fail(`tensor '${name}' has invalid data_offsets ${JSON.stringify(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  const needed = elementCount(shape) * BigInt(size);
  if (needed !== BigInt(end - begin)) {
    fail(`tensor '${name}' has dtype ${dtype} and shape ${formatShape(shape)}, which need ${needed} bytes, but its data_offsets [${begin},${end}] span ${end - begin}`);
  }
  return { name, code: dtype, shape, begin, end };
}

/** Tensors must tile [0, buffer length) exactly: sorted by offset, each starts where the previous ends. */
function checkLayout(entries: HeaderEntry[], dataStart: number, fileLength: number, fail: (problem: string) => never): void {
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  let prev: HeaderEntry | undefined;
  for (const e of sorted) {
    if (e.begin > cursor) {
      fail(prev
        ? `gap of ${e.begin - cursor} bytes between tensor '${prev.name}' (ends at ${cursor}) and tensor '${e.name}' (starts at ${e.begin})`
        : `gap of ${e.begin} bytes before the first tensor '${e.name}' (data must start at offset 0)`);
    }
    if (e.begin < cursor) {
      fail(`tensor '${e.name}' [${e.begin},${e.end}] overlaps tensor '${prev!.name}' [${prev!.begin},${prev!.end}]`);
    }
    cursor = e.end;
    prev = e;
  }
  const available = fileLength - dataStart;
  if (cursor > available) {
    fail(`file is truncated: expected ${dataStart + cursor} bytes (${dataStart}-byte header + ${cursor} bytes of tensor data) but it has ${fileLength}`);
  }
  if (cursor < available) fail(`${available - cursor} bytes after the last tensor's data are not described by the header`);
}

function decodeData(e: HeaderEntry, raw: Uint8Array, fail: (problem: string) => never): NamedTensor {
  const dtype = FROM_SAFETENSORS[e.code];
  if (dtype === undefined || !Object.hasOwn(FROM_SAFETENSORS, e.code)) {
    fail(`tensor '${e.name}' has dtype ${e.code}, which Eikon cannot load (it reads ${Object.keys(FROM_SAFETENSORS).join(", ")})`);
  }
  const count = Number(elementCount(e.shape));
  if (e.code === "F16" || e.code === "BF16") {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const widen = e.code === "F16" ? halfToFloat : bfloat16ToFloat;
    const data = new Float32Array(count);
    for (let i = 0; i < count; i++) data[i] = widen(view.getUint16(2 * i, true));
    return { dtype, shape: e.shape, data };
  }
  const data = readLittleEndian(raw, new DATA_CLASS[dtype](count));
  if (dtype === "bool") for (let i = 0; i < data.length; i++) data[i] = data[i] ? 1 : 0;
  return { dtype, shape: e.shape, data };
}

/** Parses and validates safetensors bytes; `source` names the file in error messages. Data is copied into aligned arrays. */
export function decodeSafetensors(bytes: Uint8Array, source = "<bytes>"): SafetensorsContents {
  const fail = (problem: string): never => {
    throw new SafetensorsError(source, `${source}: ${problem}`);
  };
  const { header, dataStart } = parseHeader(bytes, fail);
  let metadata: Record<string, string> = {};
  const entries: HeaderEntry[] = [];
  for (const [key, value] of Object.entries(header)) {
    if (key === METADATA_KEY) metadata = parseMetadata(value, fail);
    else entries.push(parseEntry(key, value, fail));
  }
  checkLayout(entries, dataStart, bytes.length, fail);
  const tensors = Object.fromEntries(
    entries.map((e) => [e.name, decodeData(e, bytes.subarray(dataStart + e.begin, dataStart + e.end), fail)]),
  );
  return { tensors, metadata };
}

/** Writes a safetensors file atomically: a crash mid-save leaves the previous file intact. */
export async function saveSafetensors(path: string, tensors: Record<string, NamedTensor>, metadata?: Record<string, string>): Promise<void> {
  await writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}

/** Reads and validates a safetensors file; problems throw SafetensorsError naming the file. */
export async function loadSafetensors(path: string): Promise<SafetensorsContents> {
  return decodeSafetensors(await readFile(path), path);
}
