// Shared by the io tests: a scratch directory per test file.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";

/** A fresh temp directory, removed when the calling test file finishes. */
export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `eikon-io-${prefix}-`));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
