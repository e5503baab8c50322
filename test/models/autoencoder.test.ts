// Autoencoder families: a linear bottleneck autoencoder trained with squared error spans the top-k
// principal subspace; every variant's loss falls; the sparse penalties and the denoising corruption
// do what they say; queries are finite and shaped; the reference configurations run and reproduce.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as E from "../../src/engine/index.js";
import { findFamily, type GenerativeModel } from "../../src/models/index.js";
import { corrupt, resolveAeConfig, AE_DEFAULTS, type AutoencoderModel } from "../../src/models/autoencoder/index.js";
import { QueryRunner } from "../../src/models/query.js";
import { HostNoise } from "../../src/dist/index.js";
import { assertFinite, blobs, cycleBatches, ends, train } from "./helpers.js";
import { orthonormalColumns, principalAngles, symmetricEigen } from "./linalg.js";

const SHAPE = [1, 8, 8] as const;
const SMALL = { dataShape: [...SHAPE], hidden: [32], channels: [8, 16], code: 6 };
const data = blobs(64, SHAPE, 2);
const batches = cycleBatches(data.x, SHAPE, 16);

test("a linear autoencoder trained with squared error spans the top-k principal subspace", async (t) => {
  const d = 10, k = 3, n = 256;
  const rng = new E.Rng(11);
  // data = offset + Σ_i s_i z_i a_i + small isotropic noise, with a clear gap after the 3rd direction
  const scales = [3, 2.2, 1.6, 0.5, 0.45, 0.4, 0.35, 0.3, 0.25, 0.2];
  const basis = orthonormalColumns(Float64Array.from({ length: d * d }, () => rng.normal()), d, d);
  const offset = Float64Array.from({ length: d }, () => rng.normal());
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const z = scales.map((s) => s * rng.normal());
    for (let r = 0; r < d; r++) {
      let v = offset[r];
      for (let c = 0; c < d; c++) v += basis[r * d + c] * z[c];
      x[i * d + r] = v;
    }
  }
  // top-k eigenvectors of the sample covariance
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let r = 0; r < d; r++) mean[r] += x[i * d + r] / n;
  const cov = new Float64Array(d * d);
  for (let i = 0; i < n; i++) for (let r = 0; r < d; r++) for (let c = 0; c < d; c++) cov[r * d + c] += ((x[i * d + r] - mean[r]) * (x[i * d + c] - mean[c])) / n;
  const eig = symmetricEigen(cov, d);
  const top = new Float64Array(d * k);
  for (let r = 0; r < d; r++) for (let c = 0; c < k; c++) top[r * k + c] = eig.vectors[r * d + c];

  const model = findFamily("autoencoder").create({ dataShape: [d], code: k, hidden: [], linear: true, loss: "mse" }, new E.Rng(0));
  const r = await train(model, cycleBatches(x, [d], n), 1500, { lr: 1e-2 });
  const net = (model as unknown as AutoencoderModel).players.model;
  const dec = net.decoder.layers[0] as unknown as { weight: E.Tensor }; // [d, k]
  const angles = principalAngles(top, orthonormalColumns(Float64Array.from(dec.weight.values()), d, k), d, k);
  const enc = net.encoder.layers[0] as unknown as { weight: E.Tensor }; // [k, d]: its rows span the same subspace
  const encT = new Float64Array(d * k);
  const ew = enc.weight.values();
  for (let r = 0; r < d; r++) for (let c = 0; c < k; c++) encT[r * k + c] = ew[c * d + r];
  const encAngles = principalAngles(top, orthonormalColumns(encT, d, k), d, k);
  t.diagnostic(`principal angles (rad) decoder ${angles.map((a) => a.toFixed(4)).join(", ")}; encoder ${encAngles.map((a) => a.toFixed(4)).join(", ")}; final loss ${r.losses.at(-1)!.toFixed(4)}`);
  assert.ok(Math.max(...angles) < 0.02, `decoder columns vs principal subspace: largest angle ${Math.max(...angles)}`);
  assert.ok(Math.max(...encAngles) < 0.02, `encoder rows vs principal subspace: largest angle ${Math.max(...encAngles)}`);
  // and the loss reached PCA's: Σ of the discarded eigenvalues per example
  const pcaError = eig.values.slice(k).reduce((s, v) => s + v, 0);
  assert.ok(r.losses.at(-1)! < pcaError * 1.02, `reconstruction error ${r.losses.at(-1)} vs PCA's ${pcaError}`);
});

const VARIANTS: [string, string, Record<string, unknown>][] = [
  ["bottleneck mlp", "autoencoder", {}],
  ["bottleneck conv", "autoencoder", { arch: "conv" }],
  ["bottleneck mse", "autoencoder", { loss: "mse" }],
  ["sparse L1", "sparse-autoencoder", { sparsity: "l1", codeActivation: "relu", sparsityWeight: 0.01, code: 16 }],
  ["sparse KL", "sparse-autoencoder", { code: 16 }],
  ["denoising gaussian", "denoising-autoencoder", { noise: "gaussian", noiseLevel: 0.3 }],
  ["denoising masking", "denoising-autoencoder", {}],
];

async function checkQueries(model: GenerativeModel, label: string, code: number): Promise<void> {
  const runner = new QueryRunner(model);
  const n = 4;
  const rng = new E.Rng(1);
  const x = E.tensor(data.x.slice(0, n * 64), [n, ...SHAPE]);
  try {
    const h = await runner.run("encode", { n, x, rng });
    assert.deepEqual([...h.shape], [n, code], `${label}: code shape`);
    assertFinite(h, `${label}: codes`);
    const dz = await runner.run("decode", { n, inputs: { z: h }, rng });
    const rec = await runner.run("reconstruct", { n, x, rng });
    assert.deepEqual([...rec.shape], [n, ...SHAPE], `${label}: reconstruction shape`);
    assertFinite(rec, `${label}: reconstructions`);
    assert.deepEqual(dz.toArray(), rec.toArray(), `${label}: reconstruct = decode(encode(x)), and evaluation adds no noise`);
  } finally {
    await runner.dispose();
  }
}

for (const [label, family, cfg] of VARIANTS) {
  test(`autoencoder variant '${label}': reproduces its first step; loss falls; encode/decode/reconstruct are finite and shaped`, async () => {
    const make = () => findFamily(family).create({ ...SMALL, ...cfg }, new E.Rng(0));
    const model = make();
    const r = await train(model, batches, 40, { lr: 3e-3, twin: make() });
    r.losses.forEach((l, i) => assert.ok(Number.isFinite(l), `${label}: loss at step ${i} is ${l}`));
    const { first, last } = ends(r.losses, 5);
    assert.ok(last < 0.8 * first, `${label}: loss fell only from ${first.toFixed(3)} to ${last.toFixed(3)}`);
    await checkQueries(model, label, (model as unknown as AutoencoderModel).config.code);
  });
}

test("sparse KL penalty pulls the mean code activation to its target rate; L1 shrinks the code", async () => {
  const kl = findFamily("sparse-autoencoder").create({ ...SMALL, code: 16, sparsityWeight: 3, sparsityTarget: 0.05 }, new E.Rng(0));
  const rk = await train(kl, batches, 150, { lr: 3e-3 });
  const first = rk.metrics[0].mean_activation, last = rk.metrics.at(-1)!.mean_activation;
  assert.ok(first > 0.3 && last < 0.1, `mean activation ${first.toFixed(3)} → ${last.toFixed(3)} (target 0.05)`);
  const l1 = (w: number) => findFamily("sparse-autoencoder").create({ ...SMALL, code: 16, sparsity: "l1", codeActivation: "relu", sparsityWeight: w }, new E.Rng(0));
  const with_ = await train(l1(0.2), batches, 100, { lr: 3e-3 });
  const without = await train(l1(0), batches, 100, { lr: 3e-3 });
  assert.ok(with_.metrics.at(-1)!.sparsity < 0.5 * without.metrics.at(-1)!.sparsity, `L1 code norm ${with_.metrics.at(-1)!.sparsity} vs unpenalized ${without.metrics.at(-1)!.sparsity}`);
});

test("denoising corruption: masking zeroes a fraction p, Gaussian adds σ noise, both only in training", () => {
  const x = E.full([200, 50], 1);
  const noise = new HostNoise(new E.Rng(3));
  const masking = resolveAeConfig({ noise: "masking", noiseLevel: 0.3 }, AE_DEFAULTS);
  const gaussian = resolveAeConfig({ noise: "gaussian", noiseLevel: 0.5 }, AE_DEFAULTS);
  const trainCtx = { train: true, normal: (s: readonly number[]) => noise.normal(s), uniform: (s: readonly number[]) => noise.uniform(s) };
  const evalCtx = { ...trainCtx, train: false };
  const masked = corrupt(masking, x, trainCtx).toArray();
  const dropped = masked.filter((v) => v === 0).length / masked.length;
  assert.ok(Math.abs(dropped - 0.3) < 0.02, `dropped fraction ${dropped}`);
  assert.ok(masked.every((v) => v === 0 || v === 1));
  const noisy = corrupt(gaussian, x, trainCtx).toArray();
  const m = noisy.reduce((s, v) => s + v, 0) / noisy.length;
  const sd = Math.sqrt(noisy.reduce((s, v) => s + (v - m) ** 2, 0) / noisy.length);
  assert.ok(Math.abs(m - 1) < 0.02 && Math.abs(sd - 0.5) < 0.02, `gaussian corruption mean ${m}, sd ${sd}`);
  assert.equal(corrupt(masking, x, evalCtx), x);
  assert.equal(corrupt(gaussian, x, evalCtx), x);
});

test("reproduce: the reference configurations of the three autoencoder families run a step, identically per seed", async () => {
  for (const family of ["autoencoder", "sparse-autoencoder", "denoising-autoencoder"]) {
    const rng = new E.Rng(5);
    const x = rng.fillUniform(new Float32Array(4 * 784));
    const run = async () => {
      const m = findFamily(family).create({}, new E.Rng(0));
      const r = await train(m, cycleBatches(x, [1, 28, 28], 4), 1, { seed: 3 });
      return { loss: r.losses[0], params: E.packTree((m.players as { model: unknown }).model).flat.toArray() };
    };
    const a = await run();
    const b = await run();
    assert.ok(Number.isFinite(a.loss) && a.loss > 0, `${family}: loss ${a.loss}`);
    assert.equal(a.loss, b.loss, `${family}: same seed, same loss`);
    assert.deepEqual(a.params, b.params, `${family}: same seed, same parameters`);
  }
});

test("autoencoder config: bad values fail with a message naming the key", () => {
  const ae = findFamily("autoencoder");
  assert.throws(() => ae.create({ sparsity: "kl" }, new E.Rng(0)), /needs codeActivation "sigmoid"/);
  assert.throws(() => ae.create({ linear: true, arch: "conv" }, new E.Rng(0)), /linear: true needs arch "mlp"/);
  assert.throws(() => ae.create({ noise: "masking", noiseLevel: 1 }, new E.Rng(0)), /drop probability/);
  assert.throws(() => ae.create({ cod: 3 } as never, new E.Rng(0)), /unknown key 'cod'/);
});
