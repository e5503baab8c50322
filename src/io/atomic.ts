// Crash-safe writes: data goes to a temp file in the target's directory, is fsynced, then renamed
// over the target, so a reader (or a restart after a crash) sees the old file or the new one, never half of one.
import { randomBytes } from "node:crypto";
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { open, rename, rm, type FileHandle } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** The temp file used while writing `target`: `.<basename>.tmp-<pid>-<random>` beside it (same filesystem, so rename is atomic). */
export function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.tmp-${process.pid}-${randomBytes(6).toString("hex")}`);
}

/** Makes the rename itself durable; best effort, since some platforms (Windows) cannot open or fsync a directory. */
async function syncDirectory(dir: string): Promise<void> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(dir, "r");
    await fh.sync();
  } catch {
    // The file contents are already durable; only the directory entry's durability is platform-dependent.
  } finally {
    await fh?.close().catch(() => undefined);
  }
}

function syncDirectorySync(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, "r");
    fsyncSync(fd);
  } catch {
    // See syncDirectory.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Atomically replaces (or creates) `path` with `data`. On any error the temp file is removed and the error rethrown. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = tempPathFor(path);
  let fh: FileHandle | undefined;
  try {
    fh = await open(tmp, "wx");
    await fh.writeFile(data);
    await fh.sync();
    await fh.close();
    fh = undefined;
    await rename(tmp, path);
  } catch (err) {
    await fh?.close().catch(() => undefined);
    await rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
  await syncDirectory(dirname(path));
}

/** Synchronous writeFileAtomic, for exit and signal handlers that cannot await. */
export function writeFileAtomicSync(path: string, data: string | Uint8Array): void {
  const tmp = tempPathFor(path);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, "wx");
    writeFileSync(fd, data);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (err) {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // Already failing; the original error is the one worth reporting.
      }
    }
    try {
      rmSync(tmp, { force: true });
    } catch {
      // Same: keep the original error.
    }
    throw err;
  }
  syncDirectorySync(dirname(path));
}

function jsonText(value: unknown, space: number): string {
  const text = JSON.stringify(value, null, space);
  if (text === undefined) throw new TypeError(`writeJsonAtomic: value of type ${typeof value} has no JSON representation`);
  return text + "\n";
}

/** Atomically writes `value` as pretty-printed JSON with a trailing newline. */
export async function writeJsonAtomic(path: string, value: unknown, space = 2): Promise<void> {
  await writeFileAtomic(path, jsonText(value, space));
}

/** Synchronous writeJsonAtomic. */
export function writeJsonAtomicSync(path: string, value: unknown, space = 2): void {
  writeFileAtomicSync(path, jsonText(value, space));
}
