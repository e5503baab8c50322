// File reading with data-layer errors: a missing file or a corrupt gzip stream becomes one DataError naming the path.
import { readFileSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { gunzipSync } from "node:zlib";
import { dataError, DataError } from "./errors.js";

function describeFsError(path: string, err: unknown, what: string): DataError {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === "ENOENT") return dataError(path, `${what} not found`, "Check the path (and that the dataset was downloaded/unpacked there).");
  if (code === "EISDIR") return dataError(path, `expected a ${what} but this is a directory`, "Pass the path of the file itself.");
  if (code === "EACCES" || code === "EPERM") return dataError(path, `permission denied reading the ${what}`, "Fix the file permissions.");
  return dataError(path, `cannot read the ${what}: ${(err as Error)?.message ?? String(err)}`);
}

/** True when the bytes start with the gzip magic number 1f 8b. */
export function isGzip(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
}

function gunzipChecked(path: string, buf: Buffer): Buffer {
  try {
    return gunzipSync(buf);
  } catch (err) {
    throw dataError(path, `corrupt or truncated gzip data (${(err as Error).message})`, "Download the file again.");
  }
}

/** Reads a whole file; gzip data (by its magic number, whatever the extension) is decompressed. */
export function readDataFile(path: string, what = "file"): Buffer {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (err) {
    throw describeFsError(path, err, what);
  }
  return isGzip(buf) ? gunzipChecked(path, buf) : buf;
}

/** Async variant of readDataFile (used by streaming sources). */
export async function readDataFileAsync(path: string, what = "file"): Promise<Buffer> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (err) {
    throw describeFsError(path, err, what);
  }
  return isGzip(buf) ? gunzipChecked(path, buf) : buf;
}

/** Throws a DataError unless `path` is an existing directory. */
export function requireDirectory(path: string, what = "folder"): void {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch (err) {
    throw describeFsError(path, err, what);
  }
  if (!isDir) throw dataError(path, `expected a ${what} but this is a file`, "Pass the directory that holds the data.");
}
