// A scratch directory per test file, removed when the file's tests finish.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";

export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `eikon-${prefix}-`));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
