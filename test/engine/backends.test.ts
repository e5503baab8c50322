// The runtime is an interface: the same compiled training step runs natively (onnxruntime-node)
// and as WebAssembly (onnxruntime-web, the browser's backend) with the same numbers.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as E from "../../src/engine/index.js";

function stepFn(w1: E.Tensor, w2: E.Tensor, x: E.Tensor, y: E.Tensor) {
  const loss = (p: { w1: E.Tensor; w2: E.Tensor }) => E.mean(E.square(E.sub(E.matmul(E.softplus(E.matmul(x, p.w1)), p.w2), y)));
  const { value, grad } = E.valueAndGrad(loss)({ w1, w2 });
  return { loss: value, w1: E.sub(w1, E.mul(grad.w1, 0.1)), w2: E.sub(w2, E.mul(grad.w2, 0.1)) };
}

test("a training step gives the same numbers on onnxruntime-node and onnxruntime-web", async () => {
  const rng = new E.Rng(3);
  const w1 = E.tensor(rng.fillNormal(new Float32Array(4 * 8), 0, 0.5), [4, 8]);
  const w2 = E.tensor(rng.fillNormal(new Float32Array(8 * 2), 0, 0.5), [8, 2]);
  const x = E.tensor(rng.fillNormal(new Float32Array(16 * 4)), [16, 4]);
  const y = E.tensor(rng.fillNormal(new Float32Array(16 * 2)), [16, 2]);
  const native = E.compile(stepFn, { backend: E.nativeBackend() });
  const wasm = E.compile(stepFn, { backend: E.wasmBackend() });
  let a = { w1, w2 };
  let b = { w1, w2 };
  for (let i = 0; i < 3; i++) {
    const ra = await native(a.w1, a.w2, x, y);
    const rb = await wasm(b.w1, b.w2, x, y);
    assert.ok(Math.abs(ra.loss.item() - rb.loss.item()) <= 1e-5 * Math.abs(ra.loss.item()), `step ${i}: ${ra.loss.item()} vs ${rb.loss.item()}`);
    for (const k of ["w1", "w2"] as const) {
      ra[k].toArray().forEach((v, j) => assert.ok(Math.abs(v - rb[k].toArray()[j]) <= 1e-5, `${k}[${j}] differs at step ${i}`));
    }
    a = { w1: ra.w1, w2: ra.w2 };
    b = { w1: rb.w1, w2: rb.w2 };
  }
  await native.dispose();
  await wasm.dispose();
});

test("callInto writes chosen outputs into the caller's arrays on the native backend, and checks them", async () => {
  const f = E.compile((a: E.Tensor, b: E.Tensor) => ({ s: E.add(a, b), p: E.mul(a, b), n: E.neg(a) }), { name: "into" });
  const a = E.tensor([1, 2, 3, 4, 5, 6], [2, 3]), b = E.tensor([6, 5, 4, 3, 2, 1], [2, 3]);
  const plain = await f(a, b);
  const arena = new Float32Array(20);
  const slot = arena.subarray(7, 13); // an offset view, as trainStep's gradient slot pieces are
  const r = await f.callInto(new Map([[1, slot]]), a, b); // outputs flatten as s, p, n
  assert.equal(r.p.values(), slot, "the result is the caller's array");
  assert.deepEqual(Array.from(slot), plain.p.toArray());
  assert.deepEqual(r.s.toArray(), plain.s.toArray());
  assert.equal(arena[6], 0, "nothing written outside the view");
  assert.equal(arena[13], 0);
  await assert.rejects(f.callInto(new Map([[0, new Float32Array(5)]]), a, b), /output 0 is float32\[2, 3\]; the array given for it is a Float32Array of 5/);
  await assert.rejects(f.callInto(new Map([[0, new Float64Array(6)]]), a, b), /the array given for it is a Float64Array/);
  await assert.rejects(f.callInto(new Map([[3, new Float32Array(6)]]), a, b), /callInto names output 3, but the function has 3/);
  await f.dispose();
});
