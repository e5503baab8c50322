// ONNX export round trip: the exported file, loaded by onnxruntime-node on its own, gives what
// Eikon's compiled query gives; weights are initializers, inputs and outputs are named.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as ort from "onnxruntime-node";
import { fromBinary } from "@bufbuild/protobuf";
import { ModelProtoSchema } from "onnx-buf";
import "./helpers/register.js";
import { Rng, tensor } from "../../src/engine/index.js";
import { findFamily } from "../../src/models/index.js";
import { exportOnnx, QueryRunner, resolvePart } from "../../src/train/index.js";

const model = findFamily("test-vae").create({ hidden: 8, latent: 3 }, new Rng(4));

async function runExported(bytes: Uint8Array, feeds: Record<string, { values(): ArrayLike<number>; shape: readonly number[] }>): Promise<{ name: string; data: Float32Array; dims: readonly number[] }> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const input: Record<string, ort.Tensor> = {};
    for (const [k, t] of Object.entries(feeds)) input[k] = new ort.Tensor("float32", Float32Array.from(t.values()), [...t.shape]);
    const out = await session.run(input);
    const name = session.outputNames[0];
    return { name, data: out[name].data as Float32Array, dims: out[name].dims };
  } finally {
    await session.release();
  }
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  assert.equal(a.length, b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
};

test("decoder export: z in, images out, weights baked in; onnxruntime-node agrees with Eikon's query", async () => {
  const ex = exportOnnx(model, { part: "decoder", batch: 5, seed: 1 });
  assert.equal(ex.query, "decode");
  assert.deepEqual(ex.inputs, [{ name: "z", shape: [5, 3], dtype: "float32" }]);
  assert.deepEqual(ex.outputs, [{ name: "x", shape: [5, 1, 28, 28], dtype: "float32" }]);

  const proto = fromBinary(ModelProtoSchema, ex.bytes);
  assert.deepEqual(proto.graph!.input.map((i) => i.name), ["z"], "parameters are not inputs");
  const initValues = proto.graph!.initializer.reduce((n, t) => n + t.rawData.length / 4, 0);
  assert.ok(initValues >= 3 * 8 + 8 + 8 * 784 + 784, `the decoder's weights are initializers (${initValues} values)`);
  assert.ok(proto.metadataProps.some((p) => p.key === "eikon.family" && p.value === "test-vae"));

  const got = await runExported(ex.bytes, ex.exampleFeeds);
  assert.equal(got.name, "x");
  assert.deepEqual(got.dims, [5, 1, 28, 28]);
  // Against the same query compiled with the parameters as inputs, fed the same z.
  const runner = new QueryRunner(model);
  const want = await runner.run("decode", { n: 5, rng: new Rng(0), inputs: { z: ex.exampleFeeds.z } });
  await runner.dispose();
  assert.ok(maxDiff(got.data, want.values()) < 1e-5);
  assert.ok(maxDiff(got.data, (await ex.run()).values()) < 1e-5);
});

test("density export with noise inputs, and encoder export; BatchNorm in evaluation mode", async () => {
  const dens = exportOnnx(model, { part: "density", batch: 2 });
  assert.equal(dens.query, "elbo");
  assert.deepEqual(dens.inputs.map((i) => i.name), ["x", "noise_normal"]);
  const got = await runExported(dens.bytes, dens.exampleFeeds);
  assert.equal(got.name, "elbo");
  assert.ok(maxDiff(got.data, (await dens.run()).values()) < 1e-3);

  const enc = exportOnnx(model, { part: "encoder", batch: 3 });
  const x = tensor(new Rng(2).fillUniform(new Float32Array(3 * 784)), [3, 1, 28, 28]);
  const e = await runExported(enc.bytes, { x });
  const runner = new QueryRunner(model);
  const want = await runner.run("encode", { n: 3, x, rng: new Rng(0) });
  await runner.dispose();
  assert.equal(e.name, "z");
  assert.ok(maxDiff(e.data, want.values()) < 1e-5);
});

test("parts resolve to the queries a model has, with a clear error otherwise", () => {
  assert.deepEqual(resolvePart(model), { part: "decoder", query: "decode" });
  assert.deepEqual(resolvePart(model, "generator"), { part: "generator", query: "sample" });
  const quad = findFamily("test-quad").create({}, new Rng(0));
  assert.deepEqual(resolvePart(quad), { part: "generator", query: "sample" });
  assert.deepEqual(resolvePart(quad, "density"), { part: "density", query: "logProb" });
  assert.throws(() => resolvePart(quad, "encoder"), /model 'test-quad' has no encoder \(it needs the query 'encode'\); it can export: generator, density/);
});
