// Gradient estimators for the encoder: the reparameterization (pathwise) gradient and the score
// function (REINFORCE with a leave-one-out baseline) estimate the same gradient of the ELBO, and the
// score function's variance is higher. Checked on a small VAE against a 20 000-draw pathwise estimate.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as E from "../../src/engine/index.js";
import { Context } from "../../src/nn/index.js";
import { findFamily } from "../../src/models/index.js";
import type { VaeModel, VaeNet } from "../../src/models/vae/index.js";

const CFG = { dataShape: [6], hidden: [8], latent: 2, diagnostics: false };
const X = E.tensor([1, 0, 1, 1, 0, 0], [1, 6]);

function model(estimator: "reparam" | "score", samples: number): VaeModel {
  return findFamily("vae").create({ ...CFG, estimator, samples }, new E.Rng(4)) as unknown as VaeModel;
}

/** A compiled function: one estimate of ∇_encoder loss (flat) from the given noise. */
function gradFn(m: VaeModel) {
  const spec = E.packSpec(m.players.model.encoder);
  return E.compile((net: VaeNet, x: E.Tensor, noise: E.Tensor) => {
    const { grad } = E.valueAndGrad((n: VaeNet) => m.objectives[0].loss({ model: n }, { x }, Context.train({ normal: noise }), E.scalar(0)).loss)(net);
    return E.packInGraph(grad.encoder, spec);
  });
}

async function estimates(m: VaeModel, draws: number, seed: number): Promise<{ mean: Float64Array; variance: Float64Array }> {
  const fn = gradFn(m);
  const rng = new E.Rng(seed);
  const s = m.config.samples;
  let mean: Float64Array | null = null, m2: Float64Array | null = null;
  for (let i = 0; i < draws; i++) {
    const g = (await fn(m.players.model, X, E.tensor(rng.fillNormal(new Float32Array(s * 2)), [s * 2]))).values();
    mean ??= new Float64Array(g.length);
    m2 ??= new Float64Array(g.length);
    for (let j = 0; j < g.length; j++) {
      // Welford's running mean and sum of squared deviations
      const d = g[j] - mean[j];
      mean[j] += d / (i + 1);
      m2[j] += d * (g[j] - mean[j]);
    }
  }
  await fn.dispose();
  return { mean: mean!, variance: m2!.map((v) => v / (draws - 1)) };
}

test("reparameterization and score-function gradients are unbiased; the score function's variance is higher", async (t) => {
  const truthModel = model("reparam", 20000);
  const truth = (await estimates(truthModel, 2, 1)).mean;
  const draws = 1500;
  const rep = await estimates(model("reparam", 2), draws, 2);
  const sco = await estimates(model("score", 2), draws, 3);
  for (const [name, est] of [["reparam", rep], ["score", sco]] as const) {
    let worst = 0;
    truth.forEach((t, j) => {
      const se = Math.sqrt(est.variance[j] / draws);
      const z = Math.abs(est.mean[j] - t) / (se + 1e-6);
      worst = Math.max(worst, z);
      assert.ok(z < 4.5, `${name}: coordinate ${j} mean ${est.mean[j].toFixed(4)} vs true ${t.toFixed(4)} (${z.toFixed(1)} standard errors)`);
    });
    assert.ok(worst > 0, `${name}: estimates vary`);
  }
  const total = (v: Float64Array) => v.reduce((s, x) => s + x, 0);
  const ratio = total(sco.variance) / total(rep.variance);
  t.diagnostic(`total variance of the encoder gradient, 2 draws each: reparam ${total(rep.variance).toFixed(4)}, score ${total(sco.variance).toFixed(4)} (×${ratio.toFixed(1)})`);
  assert.ok(ratio > 2, `score-function variance should exceed the pathwise one: ratio ${ratio.toFixed(2)}`);
});
