import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { describe, it } from "node:test";
import { tempPathFor, writeFileAtomic, writeFileAtomicSync, writeJsonAtomic, writeJsonAtomicSync } from "../../src/io/atomic.js";
import { scratchDir } from "./helpers.js";

const root = scratchDir("atomic");
let n = 0;
/** A new empty directory for one test. */
function freshDir(): string {
  const dir = join(root, `t${n++}`);
  mkdirSync(dir);
  return dir;
}

describe("tempPathFor", () => {
  it("names a hidden temp file beside the target with pid and random suffix", () => {
    const target = join("/some/dir", "ckpt.safetensors");
    const tmp = tempPathFor(target);
    assert.equal(dirname(tmp), "/some/dir");
    assert.match(basename(tmp), new RegExp(`^\\.ckpt\\.safetensors\\.tmp-${process.pid}-[0-9a-f]{12}$`));
    assert.notEqual(tempPathFor(target), tmp);
  });
});

describe("writeFileAtomic", () => {
  it("creates, then replaces, the target and leaves no temp file", async () => {
    const dir = freshDir();
    const path = join(dir, "a.bin");
    await writeFileAtomic(path, new Uint8Array([1, 2, 3]));
    assert.deepEqual([...readFileSync(path)], [1, 2, 3]);
    await writeFileAtomic(path, "hello");
    assert.equal(readFileSync(path, "utf8"), "hello");
    assert.deepEqual(readdirSync(dir), ["a.bin"]);
  });

  it("rethrows a rename failure and removes the temp file", async () => {
    const dir = freshDir();
    const path = join(dir, "occupied");
    mkdirSync(path); // renaming a file over a directory fails after the temp file is complete
    await assert.rejects(writeFileAtomic(path, "data"), (err: NodeJS.ErrnoException) => typeof err.code === "string");
    assert.deepEqual(readdirSync(dir), ["occupied"]);
  });

  it("rethrows a write failure and removes the temp file", async () => {
    const dir = freshDir();
    const path = join(dir, "x");
    writeFileSync(path, "old");
    await assert.rejects(writeFileAtomic(path, 42 as unknown as string), TypeError);
    assert.deepEqual(readdirSync(dir), ["x"]);
    assert.equal(readFileSync(path, "utf8"), "old");
  });

  it("rejects when the directory does not exist", async () => {
    const dir = freshDir();
    await assert.rejects(writeFileAtomic(join(dir, "missing", "f"), "x"), { code: "ENOENT" });
    assert.deepEqual(readdirSync(dir), []);
  });

  it("never lets a concurrent reader see a partial file", async () => {
    const dir = freshDir();
    const path = join(dir, "big.bin");
    const size = 1 << 20;
    await writeFileAtomic(path, new Uint8Array(size).fill(255));
    let done = false;
    const writes = (async () => {
      for (let i = 0; i < 20; i++) await writeFileAtomic(path, new Uint8Array(size).fill(i));
      done = true;
    })();
    let reads = 0;
    while (!done) {
      const got = await readFile(path);
      assert.equal(got.length, size);
      assert.ok(got.every((b) => b === got[0]), "file mixes two writes");
      reads++;
    }
    await writes;
    assert.ok(reads > 0);
    assert.equal(readFileSync(path)[0], 19);
    assert.deepEqual(readdirSync(dir), ["big.bin"]);
  });
});

describe("writeFileAtomicSync", () => {
  it("writes and replaces the target", () => {
    const dir = freshDir();
    const path = join(dir, "s.txt");
    writeFileAtomicSync(path, "one");
    writeFileAtomicSync(path, new Uint8Array([0x74, 0x77, 0x6f]));
    assert.equal(readFileSync(path, "utf8"), "two");
    assert.deepEqual(readdirSync(dir), ["s.txt"]);
  });

  it("rethrows failures and removes the temp file", () => {
    const dir = freshDir();
    mkdirSync(join(dir, "occupied"));
    assert.throws(() => writeFileAtomicSync(join(dir, "occupied"), "data"));
    assert.throws(() => writeFileAtomicSync(join(dir, "f"), 42 as unknown as string), TypeError);
    assert.deepEqual(readdirSync(dir), ["occupied"]);
  });
});

describe("writeJsonAtomic", () => {
  it("writes pretty JSON with a trailing newline", async () => {
    const dir = freshDir();
    const path = join(dir, "state.json");
    await writeJsonAtomic(path, { step: 3, lr: [0.1] });
    assert.equal(readFileSync(path, "utf8"), '{\n  "step": 3,\n  "lr": [\n    0.1\n  ]\n}\n');
    writeJsonAtomicSync(path, [1, 2], 0);
    assert.equal(readFileSync(path, "utf8"), "[1,2]\n");
  });

  it("refuses values with no JSON form", async () => {
    const dir = freshDir();
    await assert.rejects(writeJsonAtomic(join(dir, "u.json"), undefined), TypeError);
    assert.throws(() => writeJsonAtomicSync(join(dir, "u.json"), () => 1), TypeError);
    assert.deepEqual(readdirSync(dir), []);
  });
});
