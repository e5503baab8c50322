// The README's engine example must run as written (through the package's public entry point).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { spawnSync } from "node:child_process";

test("the README's ten-line engine example runs and its loss is small", () => {
  const readme = readFileSync("README.md", "utf8");
  const section = readme.split("## The engine in ten lines")[1];
  const code = section.match(/```ts\n([\s\S]*?)```/)![1];
  const dir = mkdtempSync(join(resolve("."), ".readme-example-"));
  try {
    const file = join(dir, "example.ts");
    writeFileSync(file, code.replace('from "eikon"', `from ${JSON.stringify(resolve("src/index.ts"))}`));
    const r = spawnSync(process.execPath, ["--import", "tsx", file], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const loss = Number(r.stdout.trim());
    assert.ok(Number.isFinite(loss) && loss < 0.1, `printed ${r.stdout}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
