// Lowering peepholes (Gemm with transposed operands and folded bias, zero-copy input views)
// must compute exactly what the eager interpreter computes.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as E from "../../src/engine/index.js";
import { lowerGraph } from "../../src/engine/onnx.js";
import { simplifyGraph } from "../../src/engine/simplify.js";

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

/** Op types of the ONNX graph compile() would build for f at these arguments. */
function loweredOps(f: (...xs: E.Tensor[]) => E.Tensor, args: E.Tensor[]): string[] {
  const c = E.compile(f);
  const graph = c.trace(...args);
  return lowerGraph(simplifyGraph(graph)).builder.nodes.map((n) => `${n.opType}/${n.inputs.length}`);
}

test("a per-channel bias after a conv becomes the Conv's B input, and matches eager", async () => {
  const x = rand([2, 3, 6, 6]), w = rand([4, 3, 3, 3]), wt = rand([3, 4, 4, 4]), b = rand([4]);
  const cb = (x: E.Tensor, w: E.Tensor, b: E.Tensor) => E.add(E.conv2d(x, w, { padding: 1 }), E.reshape(b, [4, 1, 1]));
  const bc = (x: E.Tensor, w: E.Tensor, b: E.Tensor) => E.relu(E.add(E.reshape(b, [4, 1, 1]), E.conv2d(x, w, { stride: 2 })));
  const tb = (x: E.Tensor, w: E.Tensor, b: E.Tensor) => E.add(E.convTranspose2d(x, w, { stride: 2, padding: 1 }), E.reshape(b, [4, 1, 1]));
  await agree("conv+b", cb, [x, w, b]);
  await agree("relu(b+conv)", bc, [x, w, b]);
  await agree("convT+b", tb, [x, wt, b]);
  assert.deepEqual(loweredOps(cb, [x, w, b]), ["Conv/3"]);
  assert.deepEqual(loweredOps(bc, [x, w, b]), ["Conv/3", "Relu/1"]);
  assert.deepEqual(loweredOps(tb, [x, wt, b]), ["ConvTranspose/3"]);
});

test("a conv whose output is also read elsewhere, or a bias not of shape [C], keeps its Add", async () => {
  const x = rand([2, 3, 5, 5]), w = rand([4, 3, 3, 3]), b = rand([4]), b2 = rand([1, 4]), wt = rand([3, 4, 3, 3]);
  const twice = (x: E.Tensor, w: E.Tensor, b: E.Tensor) => { const y = E.conv2d(x, w); return E.add(E.add(y, E.reshape(b, [4, 1, 1])), E.sum(y)); };
  const rowBias = (x: E.Tensor, w: E.Tensor, b: E.Tensor) => E.add(E.conv2d(x, w), E.reshape(b, [4, 1, 1]));
  // ConvTranspose with output padding ≥ stride lowers to ConvTranspose + Pad: the bias must stay after the Pad
  const padded = (x: E.Tensor, w: E.Tensor, b: E.Tensor) => E.add(E.convTranspose2d(x, w, { stride: 1, dilation: 2, outputPadding: 1 }), E.reshape(b, [4, 1, 1]));
  await agree("conv read twice", twice, [x, w, b]);
  await agree("[1, C] bias", rowBias, [x, w, b2]);
  await agree("convT + pad + b", padded, [x, wt, b]);
  assert.ok(loweredOps(twice, [x, w, b]).includes("Conv/2"));
  assert.ok(loweredOps(rowBias, [x, w, b2]).includes("Conv/2"));
  assert.ok(loweredOps(padded, [x, wt, b]).includes("ConvTranspose/2"));
});
