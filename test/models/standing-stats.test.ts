// Standing statistics: the sampler's batch-norm running statistics recomputed as the plain average of
// batch statistics over fresh draws, checked against the same statistics computed by hand; layers the
// sampler does not reach keep theirs; the GAN's EMA sampler gets statistics for the averaged weights.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as E from "../../src/engine/index.js";
import { BatchNorm1d, Linear, Sequential, namedTensors, withFields } from "../../src/nn/index.js";
import { standingStatistics, type GenerativeModel, type Query } from "../../src/models/index.js";
import { ganModel } from "../../src/models/gan/index.js";

const LATENT = 2;
const FEATURES = 3;

/** A sampler z → BN(Linear(z)) and a second network with batch norm that sampling never touches. */
function tinyModel(): GenerativeModel {
  const rng = new E.Rng(1);
  const g = new Sequential(new Linear(LATENT, FEATURES, { rng }), new BatchNorm1d(FEATURES));
  const other = new BatchNorm1d(2);
  const touched = withFields(other, { runningMean: E.tensor([0.5, -0.5], [2]), numBatchesTracked: E.tensor([7], []) });
  const sample: Query = {
    inputs: (n, o) => ({ z: E.tensor(o.rng.fillNormal(new Float32Array(n * LATENT)), [n, LATENT]) }),
    run: (p, inp, ctx) => (p.g as Sequential).forward(inp.z, ctx as never),
    describe: "BN(Wz + b)",
  };
  return {
    family: "tiny",
    dataShape: [FEATURES],
    dataTransform: "none",
    players: { g, other: touched },
    objectives: {},
    queries: { sample },
  } as unknown as GenerativeModel;
}

/** Per-feature mean and unbiased variance of h = zWᵀ + b for one batch, in float64. */
function batchStats(z: Float32Array, n: number, w: ArrayLike<number>, b: ArrayLike<number>): { mean: number[]; variance: number[] } {
  const mean: number[] = [];
  const variance: number[] = [];
  for (let f = 0; f < FEATURES; f++) {
    const h = Array.from({ length: n }, (_, i) => b[f] + w[f * LATENT] * z[i * LATENT] + w[f * LATENT + 1] * z[i * LATENT + 1]);
    const m = h.reduce((s, v) => s + v, 0) / n;
    mean.push(m);
    variance.push(h.reduce((s, v) => s + (v - m) ** 2, 0) / (n - 1));
  }
  return { mean, variance };
}

describe("standingStatistics", () => {
  it("replaces the sampler's running statistics by the average of its batch statistics", async () => {
    const model = tinyModel();
    const before = namedTensors(model.players);
    const batches = 4;
    const n = 16;
    const r = await standingStatistics<Record<string, unknown>>(model, { batches, batchSize: n, rng: new E.Rng(9) });
    assert.equal(r.layers, 1);
    // the same draws, by hand
    const rng = new E.Rng(9);
    const w = before.get("g.0.weight")!.values();
    const b = before.get("g.0.bias")!.values();
    const sumMean = new Array(FEATURES).fill(0);
    const sumVar = new Array(FEATURES).fill(0);
    for (let k = 0; k < batches; k++) {
      const s = batchStats(rng.fillNormal(new Float32Array(n * LATENT)), n, w, b);
      for (let f = 0; f < FEATURES; f++) {
        sumMean[f] += s.mean[f] / batches;
        sumVar[f] += s.variance[f] / batches;
      }
    }
    const after = namedTensors(r.players);
    const got = (name: string) => Array.from(after.get(name)!.values());
    got("g.1.running_mean").forEach((v, f) => assert.ok(Math.abs(v - sumMean[f]) < 1e-5, `running_mean[${f}] ${v} vs ${sumMean[f]}`));
    got("g.1.running_var").forEach((v, f) => assert.ok(Math.abs(v - sumVar[f]) < 1e-5 * Math.max(1, sumVar[f]), `running_var[${f}] ${v} vs ${sumVar[f]}`));
    assert.deepEqual(got("g.1.num_batches_tracked"), [batches]);
    // the initial statistics (0 and 1) would give something else: the check above can fail
    assert.ok(sumMean.some((m) => Math.abs(m) > 1e-2) && sumVar.some((v) => Math.abs(v - 1) > 1e-2));
    // parameters, and the layer sampling never reaches, are untouched; the input model is unchanged
    for (const name of ["g.0.weight", "g.0.bias", "g.1.weight", "g.1.bias", "other.running_mean", "other.running_var", "other.num_batches_tracked"]) {
      assert.deepEqual(got(name), Array.from(before.get(name)!.values()), name);
    }
    assert.deepEqual(Array.from(namedTensors(model.players).get("g.1.running_mean")!.values()), [0, 0, 0]);
  });

  it("gives a GAN's EMA sampler statistics of the averaged weights", async () => {
    // EMA weights = 2 × G's weights: the first BN's input doubles (mean ×2, variance ×4)
    const stats = async (scale: number) => {
      const model = ganModel("gan-toy", { ema: 0.9, gBatchNorm: true, hidden: [8] }, new E.Rng(0));
      const g = model.players.generator;
      const ema = E.tensor(g.ema!.values().map((v) => v * scale), g.ema!.shape);
      const players = { ...model.players, generator: withFields(g, { ema }) };
      const r = await standingStatistics({ ...model, players } as unknown as GenerativeModel, { batches: 2, batchSize: 32, rng: new E.Rng(3) });
      assert.equal(r.layers, 1);
      const named = namedTensors(r.players);
      return { mean: Array.from(named.get("generator.net.1.running_mean")!.values()), variance: Array.from(named.get("generator.net.1.running_var")!.values()) };
    };
    const own = await stats(1);
    const doubled = await stats(2);
    own.mean.forEach((m, i) => assert.ok(Math.abs(doubled.mean[i] - 2 * m) < 1e-5, `mean[${i}] ${doubled.mean[i]} vs 2 × ${m}`));
    own.variance.forEach((v, i) => assert.ok(Math.abs(doubled.variance[i] - 4 * v) < 1e-4 * Math.max(1, v), `var[${i}] ${doubled.variance[i]} vs 4 × ${v}`));
  });

  it("refuses a batch of one and a non-positive number of batches", async () => {
    const model = tinyModel();
    await assert.rejects(standingStatistics(model, { batches: 0, rng: new E.Rng(0) }), /batches must be a positive integer, got 0/);
    await assert.rejects(standingStatistics(model, { batchSize: 1, rng: new E.Rng(0) }), /batchSize must be an integer ≥ 2/);
  });
});
