// Numerical stability at large |x|: softplus, sigmoid, log1p, logsumexp, logSoftmax (and their
// gradients) give finite, accurate values in float32 and float64 eager mode and in float32
// through ONNX Runtime. References are computed here in float64 from the float32-rounded inputs.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compile, grad, Tensor } from "../../src/engine/index.js";
import * as ops from "../../src/engine/ops.js";

const BIG = [-100, -50, -20, -1, -1e-3, 0, 1e-3, 1, 20, 50, 100];

const t = (dtype: "float32" | "float64", shape: number[], values: number[]) => ops.cast(new Tensor(shape, "float64", Float64Array.from(values)), dtype);
const rounded = (dtype: "float32" | "float64", values: number[]) => (dtype === "float32" ? values.map(Math.fround) : values);

/** |a − e| ≤ rtol·|e| + atol for every element, and every element finite. */
function assertAccurate(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, atol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    assert.ok(Number.isFinite(actual[i]), `${what}: element ${i} is ${actual[i]}`);
    const err = Math.abs(actual[i] - expected[i]);
    if (!(err <= atol + rtol * Math.abs(expected[i]))) assert.fail(`${what}: element ${i} is ${actual[i]}, expected ${expected[i]} (|diff| ${err.toExponential(2)})`);
  }
}

// float64 references
const softplusRef = (v: number) => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
const sigmoidRef = (v: number) => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v)));
function lseRef(row: number[]): number {
  const m = Math.max(...row);
  return m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
}

const LSE_ROWS = [
  [100, 100, -100],
  [-100, -100, -50],
  [50, -50, 0],
  [1e-3, 0, -1e-3],
  [-100, -100, -100],
];
const LOG1P = [1e-10, -1e-10, 1e-7, 1e-4, -1e-4, 0.01, -0.5, 1, 100, 1e10];

/** Everything under test, for one dtype: outputs of the five functions on their inputs. */
function stabilityOutputs(x: Tensor, l1p: Tensor, rows: Tensor) {
  return {
    softplus: ops.softplus(x),
    sigmoid: ops.sigmoid(x),
    logSigmoid: ops.logSigmoid(x),
    log1p: ops.log1p(l1p),
    logsumexp: ops.logsumexp(rows, 1),
    logSoftmax: ops.logSoftmax(rows, 1),
    softmax: ops.softmax(rows, 1),
  };
}
type Outputs = ReturnType<typeof stabilityOutputs>;

function checkOutputs(out: Outputs, dtype: "float32" | "float64", where: string): void {
  const f32 = dtype === "float32";
  // float32: relative 1e-6 (a few ulps) with an absolute floor far below what float32 resolves
  // next to 1 (values like softplus(−100) = 3.7e−44 are subnormal or flush to zero there)
  const rtol = f32 ? 1e-6 : 1e-13;
  const tiny = f32 ? 1e-30 : 1e-300;
  const xs = rounded(dtype, BIG);
  const label = (s: string) => `${s} (${dtype}, ${where})`;
  assertAccurate(out.softplus.values(), xs.map(softplusRef), rtol, tiny, label("softplus"));
  // sigmoid: the eager interpreter is accurate to relative 1e-6 even in the far tail (σ(−100) =
  // 3.7e−44); ONNX Runtime's float32 Sigmoid (MLAS) flushes σ(x) to 0 for x ≤ −20 or so, so through
  // ONNX Runtime it is held to absolute accuracy 1e−7 (use logSigmoid for log-probabilities: it is
  // softplus-based and accurate there, checked below)
  assertAccurate(out.sigmoid.values(), xs.map(sigmoidRef), rtol, where === "ONNX Runtime" ? 1e-7 : tiny, label("sigmoid"));
  assertAccurate(out.logSigmoid.values(), xs.map((v) => -softplusRef(-v)), rtol, tiny, label("logSigmoid"));
  const l1p = rounded(dtype, LOG1P);
  assertAccurate(out.log1p.values(), l1p.map(Math.log1p), rtol, 0, label("log1p"));
  const rows = LSE_ROWS.map((r) => rounded(dtype, r));
  assertAccurate(out.logsumexp.values(), rows.map(lseRef), rtol, tiny, label("logsumexp"));
  assertAccurate(out.logSoftmax.values(), rows.flatMap((r) => r.map((v) => v - lseRef(r))), rtol, f32 ? 1e-6 : 1e-13, label("logSoftmax"));
  assertAccurate(out.softmax.values(), rows.flatMap((r) => r.map((v) => Math.exp(v - lseRef(r)))), rtol, tiny, label("softmax"));
}

const inputs = (dtype: "float32" | "float64") => [t(dtype, [BIG.length], BIG), t(dtype, [LOG1P.length], LOG1P), t(dtype, [LSE_ROWS.length, 3], LSE_ROWS.flat())] as const;

describe("numerical stability at large |x|", () => {
  for (const dtype of ["float64", "float32"] as const) {
    it(`eager ${dtype}`, () => {
      checkOutputs(stabilityOutputs(...inputs(dtype)), dtype, "eager");
    });
  }

  it("float32 through onnxruntime-node (log1p by the Kahan trick: ONNX has no Log1p)", async () => {
    const f = compile(stabilityOutputs, { name: "stability" });
    try {
      checkOutputs(await f(...inputs("float32")), "float32", "ONNX Runtime");
    } finally {
      await f.dispose();
    }
  });

  it("log1p of 1e-10 through ONNX Runtime is accurate to 1e-6 relative", async () => {
    const f = compile((x: Tensor) => ops.log1p(x));
    try {
      const y = (await f(t("float32", [1], [1e-10]))).item();
      const want = Math.log1p(Math.fround(1e-10));
      assert.ok(Math.abs(y - want) <= 1e-6 * want, `log1p(1e-10) = ${y}, expected ${want}`);
    } finally {
      await f.dispose();
    }
  });

  // gradients: softplus' = σ, logsumexp's = softmax; both finite and accurate at ±100
  const grads = (x: Tensor, rows: Tensor) => ({
    softplus: grad((u: Tensor) => ops.sum(ops.softplus(u)))(x) as Tensor,
    sigmoid: grad((u: Tensor) => ops.sum(ops.sigmoid(u)))(x) as Tensor,
    logSigmoid: grad((u: Tensor) => ops.sum(ops.logSigmoid(u)))(x) as Tensor,
    logsumexp: grad((u: Tensor) => ops.sum(ops.logsumexp(u, 1)))(rows) as Tensor,
  });
  const checkGradients = (g: ReturnType<typeof grads>, dtype: "float32" | "float64", where: string) => {
    const f32 = dtype === "float32";
    const xs = rounded(dtype, BIG);
    const rows = LSE_ROWS.map((r) => rounded(dtype, r));
    const atol = f32 ? 1e-7 : 1e-15;
    assertAccurate(g.softplus.values(), xs.map(sigmoidRef), f32 ? 1e-6 : 1e-13, atol, `softplus' (${dtype}, ${where})`);
    // σ' = σ(1 − σ): in the tails this is below float32 resolution next to 1, so absolute
    assertAccurate(g.sigmoid.values(), xs.map((v) => sigmoidRef(v) * (1 - sigmoidRef(v))), f32 ? 1e-5 : 1e-12, atol, `sigmoid' (${dtype}, ${where})`);
    assertAccurate(g.logSigmoid.values(), xs.map((v) => sigmoidRef(-v)), f32 ? 1e-6 : 1e-13, atol, `logSigmoid' (${dtype}, ${where})`);
    assertAccurate(g.logsumexp.values(), rows.flatMap((r) => r.map((v) => Math.exp(v - lseRef(r)))), f32 ? 1e-6 : 1e-13, atol, `logsumexp' (${dtype}, ${where})`);
  };
  for (const dtype of ["float64", "float32"] as const) {
    it(`gradients, eager ${dtype}`, () => {
      const [x, , rows] = inputs(dtype);
      checkGradients(grads(x, rows), dtype, "eager");
    });
  }
  it("gradients, float32 through onnxruntime-node", async () => {
    const f = compile(grads, { name: "stability_grads" });
    try {
      const [x, , rows] = inputs("float32");
      checkGradients(await f(x, rows), "float32", "ONNX Runtime");
    } finally {
      await f.dispose();
    }
  });
});
