// Shared by the nn and optim tests: PyTorch goldens (test/fixtures/torch/*.json) as tensors,
// and closeness checks.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Tensor, type DType } from "../../src/engine/index.js";

export interface Golden {
  shape: number[];
  data: number[];
}

const cache = new Map<string, any>();

/** A fixture file from test/fixtures/torch/. */
export function fixture(name: string): any {
  if (!cache.has(name)) cache.set(name, JSON.parse(readFileSync(new URL(`../fixtures/torch/${name}`, import.meta.url), "utf8")));
  return cache.get(name);
}

/** A golden tensor as an Eikon tensor (float64 unless told). */
export function T(g: Golden, dtype: DType = "float64"): Tensor {
  return new Tensor(g.shape, dtype, dtype === "int32" ? Int32Array.from(g.data) : dtype === "float32" ? Float32Array.from(g.data) : Float64Array.from(g.data));
}

/** |a − e| ≤ tol·(1 + |e|) elementwise, and equal shapes. */
export function assertClose(actual: Tensor | ArrayLike<number>, expected: Golden | Tensor | ArrayLike<number>, tol: number, label: string): void {
  const a = actual instanceof Tensor ? actual.toArray() : Array.from(actual);
  const e = expected instanceof Tensor ? expected.toArray() : "data" in expected && "shape" in expected ? (expected as Golden).data : Array.from(expected as ArrayLike<number>);
  if (actual instanceof Tensor) {
    const es = expected instanceof Tensor ? [...expected.shape] : "shape" in expected ? (expected as Golden).shape : null;
    if (es) assert.deepEqual([...actual.shape], es, `${label}: shape`);
  }
  assert.equal(a.length, e.length, `${label}: length`);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < a.length; i++) {
    const err = Math.abs(a[i] - e[i]) / (1 + Math.abs(e[i]));
    if (!(err <= worst)) {
      worst = err;
      at = i;
    }
  }
  assert.ok(worst <= tol, `${label}: element ${at} is ${a[at]}, expected ${e[at]} (relative error ${worst.toExponential(2)} > ${tol})`);
}
