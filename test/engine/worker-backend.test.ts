// workerBackend: sessions in worker threads give the same results as the main-thread backend, run at
// once, and report ONNX Runtime's errors with their cause.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Tensor, compile, matmul, nativeBackend, relu, workerBackend } from "../../src/engine/index.js";

const f = (a: Tensor, b: Tensor) => relu(matmul(a, b));
const rand = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 97 + i * 1.3));

test("a compiled function in worker sessions matches the main-thread backend, two at once", async () => {
  const a = new Tensor([64, 32], "float32", rand(64 * 32, 1));
  const b = new Tensor([32, 16], "float32", rand(32 * 16, 2));
  const main = compile(f, { backend: nativeBackend({ threads: 1 }) });
  const workers = workerBackend();
  const w1 = compile(f, { backend: workers });
  const w2 = compile(f, { backend: workers });
  try {
    const expected = Array.from((await main(a, b)).values());
    const [r1, r2] = await Promise.all([w1(a, b), w2(a, b)]);
    assert.deepEqual(Array.from(r1.values()), expected);
    assert.deepEqual(Array.from(r2.values()), expected);
    // a view into a larger buffer is sent as its own range
    const big = new Float32Array(64 * 32 + 10);
    big.set(a.values() as Float32Array, 10);
    const view = new Tensor([64, 32], "float32", big.subarray(10));
    assert.deepEqual(Array.from((await w1(view, b)).values()), expected);
  } finally {
    await Promise.all([main.dispose(), w1.dispose(), w2.dispose()]);
  }
});

test("a model ONNX Runtime cannot load is an error that says so", async () => {
  await assert.rejects(workerBackend().createSession(new Uint8Array([1, 2, 3])), /ONNX Runtime worker: .+/);
});
