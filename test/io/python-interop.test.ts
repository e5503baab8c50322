// Cross-checks with the reference readers/writers when a Python with numpy (and safetensors) is available.
// Set EIKON_PYTHON to choose the interpreter; these tests skip, saying why, when it lacks the modules.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { saveNpy } from "../../src/io/npy.js";
import { decodeSafetensors, saveSafetensors } from "../../src/io/safetensors.js";
import { scratchDir } from "./helpers.js";

const python = process.env.EIKON_PYTHON ?? "python3";
const dir = scratchDir("python");

function runPython(code: string, ...args: string[]): { ok: boolean; stdout: string; stderr: string } {
  const r = spawnSync(python, ["-c", code, ...args], { encoding: "utf8" });
  return { ok: r.status === 0, stdout: r.stdout ?? "", stderr: r.stderr ?? String(r.error) };
}
const has = (module: string): boolean => runPython(`import ${module}`).ok;
const noNumpy = !has("numpy") && `${python} cannot import numpy`;
const noSafetensors = noNumpy || (!has("safetensors.numpy") && `${python} cannot import safetensors`);

describe("numpy interop", { skip: noNumpy }, () => {
  it("numpy.load reads Eikon's .npy files", async () => {
    const files: Array<[string, Float32Array | Float64Array | Uint8Array | Int32Array, number[]]> = [
      ["a.npy", new Float32Array([1, 2.5, -3, 4, 5, 6]), [2, 3]],
      ["b.npy", new Float64Array([Math.PI]), []],
      ["c.npy", new Uint8Array([0, 255, 7]), [3]],
      ["d.npy", new Int32Array([-(2 ** 31), 5]), [1, 1, 2]],
    ];
    for (const [name, data, shape] of files) await saveNpy(join(dir, name), data, shape);
    const r = runPython(
      "import json, sys, numpy as np\n" +
        "print(json.dumps([[str(a.dtype), list(a.shape), a.ravel().tolist()] for a in (np.load(p) for p in sys.argv[1:])]))",
      ...files.map(([name]) => join(dir, name)),
    );
    assert.ok(r.ok, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), [
      ["float32", [2, 3], [1, 2.5, -3, 4, 5, 6]],
      ["float64", [], [Math.PI]],
      ["uint8", [3], [0, 255, 7]],
      ["int32", [1, 1, 2], [-(2 ** 31), 5]],
    ]);
  });
});

describe("safetensors reference interop", { skip: noSafetensors }, () => {
  it("the reference reader loads Eikon's file and re-serializes it to the same bytes", async () => {
    const path = join(dir, "eikon.safetensors");
    await saveSafetensors(
      path,
      {
        "encoder.0.weight": { dtype: "float32", shape: [2, 3], data: new Float32Array([0, 0.1, 0.2, 0.3, 0.4, 0.5]) },
        step: { dtype: "int64", shape: [], data: new BigInt64Array([7n]) },
        mask: { dtype: "bool", shape: [2], data: new Uint8Array([1, 0]) },
        empty: { dtype: "float64", shape: [0, 2], data: new Float64Array(0) },
        idx: { dtype: "int32", shape: [1], data: new Int32Array([-4]) },
        px: { dtype: "uint8", shape: [2], data: new Uint8Array([9, 250]) },
      },
      { format: "pt" },
    );
    const r = runPython(
      "import sys, safetensors.numpy as s\n" +
        "from safetensors import safe_open\n" +
        "with safe_open(sys.argv[1], 'np') as f: meta = f.metadata()\n" +
        "sys.stdout.write(s.save(s.load_file(sys.argv[1]), metadata=meta).hex())",
      path,
    );
    assert.ok(r.ok, r.stderr);
    assert.equal(r.stdout, readFileSync(path).toString("hex"));
  });

  it("Eikon reads a file the reference wrote, including F16", () => {
    const path = join(dir, "ref.safetensors");
    const r = runPython(
      "import sys, numpy as np, safetensors.numpy as s\n" +
        "s.save_file({'h': np.array([1, -2.5, 65504], np.float16), 'q': np.arange(6, dtype=np.int64).reshape(2, 3), 'f': np.array(0.5, np.float32)}, sys.argv[1], metadata={'k': 'v'})",
      path,
    );
    assert.ok(r.ok, r.stderr);
    const { tensors, metadata } = decodeSafetensors(readFileSync(path), path);
    assert.deepEqual(metadata, { k: "v" });
    assert.deepEqual(tensors.h, { dtype: "float32", shape: [3], data: new Float32Array([1, -2.5, 65504]) });
    assert.deepEqual(tensors.q, { dtype: "int64", shape: [2, 3], data: new BigInt64Array([0n, 1n, 2n, 3n, 4n, 5n]) });
    assert.deepEqual(tensors.f, { dtype: "float32", shape: [], data: new Float32Array([0.5]) });
  });
});
