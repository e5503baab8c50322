#!/usr/bin/env node
// In a development checkout (src/ beside dist/), a dist/ older than the sources would run old code
// without a word; say so. An installed package ships dist/ only, and skips the check.
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const built = join(root, "dist", "cli", "main.js");
const src = join(root, "src");
if (existsSync(src) && existsSync(built)) {
  const builtAt = statSync(built).mtimeMs;
  const newer = (dir) =>
    readdirSync(dir, { withFileTypes: true }).some((e) => {
      const p = join(dir, e.name);
      return e.isDirectory() ? newer(p) : e.name.endsWith(".ts") && statSync(p).mtimeMs > builtAt;
    });
  if (newer(src)) process.stderr.write("eikon: warning: dist/ is older than src/ (this checkout's build is stale); run `npm run build`\n");
}
await import("../dist/cli/main.js");
