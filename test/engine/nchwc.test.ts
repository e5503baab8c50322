// The NCHWc lowering (engine/nchwc.ts): blocked convolutions, sub-pixel transposed convolutions,
// fused bias/residual/activation, blocked pads, slices and reductions, and the reorders between
// layouts, must compute what the eager interpreter computes, values and gradients.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as E from "../../src/engine/index.js";
import { lowerGraph } from "../../src/engine/onnx.js";
import { simplifyGraph } from "../../src/engine/simplify.js";
import { NCHWC_DOMAIN } from "../../src/engine/nchwc.js";
import { nativeNchwcBlockSize } from "../../src/engine/runtime.js";

const rng = new E.Rng(8);
const rand = (shape: number[], scale = 1) => E.mul(E.tensor(rng.fillNormal(new Float32Array(shape.reduce((a, b) => a * b, 1))), shape), scale);

function close(name: string, got: ArrayLike<number>, want: ArrayLike<number>, tol = 2e-4): void {
  assert.equal(got.length, want.length, `${name}: length`);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / (1 + Math.abs(want[i])));
  assert.ok(worst <= tol, `${name}: worst relative error ${worst}`);
}

/** f compiled (blocked where this machine's ONNX Runtime has the kernels) against eager, every output. */
async function agree(name: string, f: (...xs: E.Tensor[]) => E.Tensor | E.Tensor[], args: E.Tensor[]): Promise<void> {
  const listed = (r: E.Tensor | E.Tensor[]) => (Array.isArray(r) ? r : [r]);
  const eager = listed(f(...args));
  const c = E.compile(f, { name });
  const compiled = listed(await c(...args));
  await c.dispose();
  eager.forEach((e, k) => {
    assert.deepEqual(compiled[k].shape, e.shape, `${name}[${k}] shape`);
    close(`${name}[${k}]`, compiled[k].toArray() as number[], e.toArray() as number[]);
  });
}

/** The ONNX nodes lowering f gives with 16-channel blocks, as `domain:Op/inputs`. */
function blockedOps(f: (...xs: E.Tensor[]) => E.Tensor | E.Tensor[], args: E.Tensor[]): string[] {
  const graph = E.compile(f).trace(...args);
  return lowerGraph(simplifyGraph(graph), undefined, { nchwcBlock: 16 }).builder.nodes.map((n) => `${n.domain === NCHWC_DOMAIN ? "nchwc:" : ""}${n.opType}/${n.inputs.length}`);
}

const bias = (b: E.Tensor) => E.reshape(b, [b.shape[0], 1, 1]);

test("this machine's block size is 0 (no blocked kernels) or a multiple of 8", async () => {
  const block = await nativeNchwcBlockSize();
  assert.ok(block === 0 || block % 8 === 0, `block ${block}`);
});

test("blocked convs with bias, ReLU, LeakyReLU and a residual add match eager", async () => {
  const x = rand([2, 16, 9, 7]), w1 = rand([32, 16, 3, 3], 0.2), b1 = rand([32]), w2 = rand([16, 32, 1, 1], 0.2), b2 = rand([16]);
  const block = (x: E.Tensor, w1: E.Tensor, b1: E.Tensor, w2: E.Tensor, b2: E.Tensor) => {
    const h = E.relu(E.add(E.conv2d(x, w1, { padding: 1 }), bias(b1)));
    const y = E.add(x, E.add(E.conv2d(h, w2), bias(b2))); // residual: the add goes into the conv
    return E.leakyRelu(E.conv2d(y, w1, { padding: [1, 0], stride: 2 }), 0.2);
  };
  await agree("residual block", block, [x, w1, b1, w2, b2]);
  const ops = blockedOps(block, [x, w1, b1, w2, b2]);
  assert.equal(ops.filter((o) => o.startsWith("nchwc:Conv")).length, 3);
  assert.ok(ops.includes("nchwc:Conv/4"), "the residual add is the conv's Sum input");
  assert.ok(!ops.some((o) => o.startsWith("Relu") || o.startsWith("LeakyRelu") || o.startsWith("Add")), ops.join(" "));
  assert.deepEqual(ops.filter((o) => o.includes("Reorder")), ["nchwc:ReorderInput/1", "nchwc:ReorderOutput/1"]);
  // the conv's own input as the added value: the Sum input must not be overwritten while it is read
  const w3 = rand([16, 16, 3, 3], 0.2);
  await agree("h + conv(h)", (x, w) => { const h = E.relu(E.conv2d(x, w, { padding: 1 })); return E.add(h, E.conv2d(h, w, { padding: 1 })); }, [x, w3]);
});

test("a conv from fewer channels than a block reads NCHW input directly", async () => {
  const x = rand([3, 3, 10, 10]), w = rand([16, 3, 4, 4], 0.3), b = rand([16]);
  const f = (x: E.Tensor, w: E.Tensor, b: E.Tensor) => E.relu(E.add(E.conv2d(x, w, { stride: 2, padding: 1 }), bias(b)));
  await agree("rgb conv", f, [x, w, b]);
  assert.deepEqual(blockedOps(f, [x, w, b]).filter((o) => o.startsWith("nchwc:")), ["nchwc:Conv/3", "nchwc:ReorderOutput/1"]);
});

test("transposed convs as sub-pixel blocked convs match eager, with and without bias and activation", async () => {
  const cases: [number[], number[], E.ConvOptions & { outputPadding?: number }][] = [
    [[2, 32, 5, 6], [32, 16, 4, 4], { stride: 2, padding: 1 }], // DCGAN's upsampling
    [[2, 32, 5, 5], [32, 16, 3, 3], { stride: 2, padding: 1, outputPadding: 1 }],
    [[1, 16, 4, 3], [16, 32, 2, 2], { stride: 2 }],
    [[2, 3, 4, 4], [3, 16, 5, 5], { stride: 3, padding: 1 }], // NCHW input
    [[1, 16, 4, 5], [16, 16, 3, 1], { stride: [2, 1], padding: [1, 0] }],
  ];
  for (const [xs, ws, opts] of cases) {
    const x = rand(xs), w = rand(ws, 0.3), b = rand([ws[1]]);
    const name = `convT ${xs} ${ws} ${JSON.stringify(opts)}`;
    await agree(name, (x, w) => E.convTranspose2d(x, w, opts), [x, w]);
    await agree(`${name} + b, relu`, (x, w, b) => E.relu(E.add(E.convTranspose2d(x, w, opts), bias(b))), [x, w, b]);
  }
  const x = rand([2, 32, 5, 6]), w = rand([32, 16, 4, 4]);
  const ops = blockedOps((x, w) => E.convTranspose2d(x, w, { stride: 2, padding: 1 }), [x, w]);
  assert.equal(ops.filter((o) => o === "nchwc:Conv/2").length, 4, "one conv per output phase");
  assert.ok(!ops.includes("ConvTranspose/2"));
});

test("convs the blocked kernels do not take keep the plain lowering, and still match eager", async () => {
  const x = rand([2, 32, 8, 8]), x20 = rand([2, 20, 8, 8]);
  const plain: [string, (...a: E.Tensor[]) => E.Tensor, E.Tensor[]][] = [
    ["groups", (x, w) => E.conv2d(x, w, { groups: 2 }), [x, rand([32, 16, 3, 3], 0.2)]],
    ["dilation", (x, w) => E.conv2d(x, w, { dilation: 2 }), [x, rand([16, 32, 3, 3], 0.2)]],
    ["20 input channels", (x, w) => E.conv2d(x, w), [x20, rand([16, 20, 3, 3], 0.2)]],
    ["12 output channels", (x, w) => E.conv2d(x, w), [x, rand([12, 32, 3, 3], 0.2)]],
    ["convT, odd output", (x, w) => E.convTranspose2d(x, w, { stride: 2 }), [x, rand([32, 16, 3, 3], 0.2)]],
  ];
  for (const [name, f, args] of plain) {
    await agree(name, f, args);
    assert.ok(!blockedOps(f, args).some((o) => o.startsWith("nchwc:Conv")), name);
  }
  const x64 = E.tensor(new Float64Array(2 * 16 * 4 * 4).fill(0.5), [2, 16, 4, 4]);
  assert.ok(!blockedOps((x, w) => E.conv2d(x, w), [x64, E.tensor(new Float64Array(16 * 16), [16, 16, 1, 1])]).some((o) => o.startsWith("nchwc:")));
});

test("blocked masks, pads, slices and channel sums match eager, a bool mask leaves the layout as bool", async () => {
  const x = rand([2, 16, 6, 6]), w = rand([16, 16, 3, 3], 0.3);
  await agree("mask, pad, slice, sums", (x, w) => {
    const y = E.conv2d(x, w, { padding: 1 });
    const mask = E.greater(y, 0);
    const padded = E.pad(y, [[0, 0], [0, 0], [1, 0], [0, 2]]);
    const z = E.conv2d(padded, w); // the padded value goes to a conv: stays blocked
    const cropped = E.slice(z, [0, 0, 1, 0], [2, 16, 5, 6]);
    return [mask, E.where(mask, y, E.neg(y)), E.sum(cropped, [0, 2, 3]), E.sum(E.mul(y, y), [2, 3], true), E.relu(E.mul(cropped, 2))];
  }, [x, w]);
});

test("gradients of a blocked conv net (masked-conv style pads, residuals, transposed convs) match eager", async () => {
  const x = rand([2, 16, 8, 8]);
  const params = { w1: rand([32, 16, 2, 3], 0.2), b1: rand([32]), w2: rand([16, 32, 1, 1], 0.2), b2: rand([16]), wt: rand([16, 16, 4, 4], 0.2), bt: rand([16]), w3: rand([16, 16, 3, 3], 0.2) };
  type P = typeof params;
  const loss = (p: P, x: E.Tensor) => {
    const h = E.relu(E.add(E.conv2d(E.pad(x, [[0, 0], [0, 0], [1, 0], [0, 0]]), p.w1, { padding: [0, 1] }), bias(p.b1)));
    const r = E.add(x, E.add(E.conv2d(h, p.w2), bias(p.b2)));
    const u = E.leakyRelu(E.add(E.convTranspose2d(r, p.wt, { stride: 2, padding: 1 }), bias(p.bt)), 0.2);
    const d = E.conv2d(u, p.w3, { stride: 2, padding: 1 });
    return E.mean(E.mul(d, d));
  };
  const f = (p: P, x: E.Tensor) => {
    const { value, grad } = E.valueAndGrad(loss)(p, x);
    return [value, ...Object.values(grad as P)];
  };
  await agree("conv net gradients", f as never, [params as never, x]);
});
