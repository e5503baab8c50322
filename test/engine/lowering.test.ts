// Lowering peepholes (Gemm with transposed operands and folded bias, zero-copy input views)
// must compute exactly what the eager interpreter computes.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as E from "../../src/engine/index.js";

const rng = new E.Rng(21);
const rand = (shape: number[]) => E.tensor(rng.fillNormal(new Float32Array(shape.reduce((a, b) => a * b, 1))), shape);

async function agree(name: string, f: (...xs: E.Tensor[]) => E.Tensor, args: E.Tensor[]): Promise<void> {
  const eager = f(...args).toArray();
  const c = E.compile(f, { name });
  const compiled = (await c(...args)).toArray();
  await c.dispose();
  assert.equal(compiled.length, eager.length);
  compiled.forEach((v, i) => assert.ok(Math.abs(v - eager[i]) <= 1e-4 * (1 + Math.abs(eager[i])), `${name}[${i}]: ${v} vs ${eager[i]}`));
}

test("matmuls on transposed operands, with and without a bias, match eager", async () => {
  const x = rand([5, 4]), w = rand([3, 4]), b = rand([3]), y = rand([4, 5]);
  await agree("xWt+b", (x, w, b) => E.add(E.matmul(x, E.mT(w)), b), [x, w, b]);
  await agree("b+xWt", (x, w, b) => E.add(b, E.matmul(x, E.mT(w))), [x, w, b]);
  await agree("ytW", (y, w) => E.matmul(E.mT(y), E.mT(w)), [y, w]);
  await agree("xWt used twice", (x, w) => { const t = E.mT(w); return E.add(E.matmul(x, t), E.sum(t)); }, [x, w]);
});

test("two single-use matmuls feeding one add are not both folded into it", async () => {
  const a = rand([1, 4]), b = rand([4, 6]), c = rand([1, 3]), d = rand([3, 6]);
  await agree("row+row", (a, b, c, d) => E.add(E.matmul(a, b), E.matmul(c, d)), [a, b, c, d]);
  await agree("rowT+rowT", (a, b, c, d) => E.add(E.matmul(E.mT(E.mT(a)), b), E.matmul(c, d)), [a, b, c, d]);
});

test("a packed vector read through slices is fed as views and unpacks correctly", async () => {
  const flat = rand([20]);
  await agree("views", (p) => {
    const w = E.reshape(E.sliceAxis(p, 0, 0, 12), [3, 4]);
    const v = E.sliceAxis(p, 0, 12, 16);
    const s = E.sliceAxis(p, 0, 16, 20);
    return E.add(E.matmul(w, E.reshape(v, [4, 1])), E.reshape(E.sum(s), [1, 1]));
  }, [flat]);
});
