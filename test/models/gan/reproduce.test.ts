// One short run of every GAN variant through the trainer (src/train: k discriminator steps per
// generator step, each loss's recipe): the losses stay finite, samples have the data's shape (and
// tanh's range for images), and the run moved the weights. Networks are shrunk where the variant
// does not depend on their size; the DCGAN is the reference architecture (BENCHMARKS.md).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as E from "../../../src/engine/index.js";
import { ArraySource, toy } from "../../../src/data/index.js";
import { findFamily } from "../../../src/models/index.js";
import { GAN_LOSSES, asGenerativeModel, dStepsOf, flatParams, ganModel, type GanConfig, type GanModel } from "../../../src/models/gan/index.js";
import { QueryRunner, drawSamples, train } from "../../../src/train/index.js";

async function reproduce(m: GanModel, data: ArraySource, steps = 2): Promise<void> {
  const before = flatParams(m.players.generator.net).values().slice();
  const seen: Record<string, number> = {};
  const r = await train(asGenerativeModel(m), data, {
    steps,
    batchSize: 8,
    optimizers: m.recipe.optimizers,
    progress: "none",
    callback: (e) => {
      if (e.type === "step") for (const k of Object.keys(e.values)) seen[k] = (seen[k] ?? 0) + 1;
    },
  });
  assert.equal(r.status, "completed");
  for (const [k, v] of Object.entries(r.values)) assert.ok(Number.isFinite(v), `${k} = ${v}`);
  assert.ok("d_loss" in r.values && "g_loss" in r.values, `values: ${Object.keys(r.values).join(", ")}`);
  assert.equal(seen.d_loss, steps, "one d_loss record per iteration");
  const after = flatParams(m.players.generator.net).values();
  assert.ok(after.some((v, i) => v !== before[i]), "the generator's weights moved");
  const runner = new QueryRunner(asGenerativeModel(m));
  try {
    const n = 5;
    const s = await drawSamples(runner, n, { rng: new E.Rng(1) });
    assert.equal(s.length, n * m.dataShape.reduce((a, b) => a * b, 1));
    assert.ok(s.every(Number.isFinite), "finite samples");
    if (m.config.output === "tanh") assert.ok(s.every((v) => v >= -1 && v <= 1), "tanh samples in [−1, 1]");
    const t = await runner.run("sample", { n, rng: new E.Rng(2) });
    assert.deepEqual([...t.shape], [n, ...m.dataShape]);
  } finally {
    await runner.dispose();
  }
}

const toyData = toy("25gaussians", { n: 64, seed: 3 });
const images = (n: number) => {
  const rng = new E.Rng(4);
  return new ArraySource(rng.fillUniform(new Float32Array(n * 784)), [1, 28, 28], { name: "dummy-images" });
};
const small: Partial<GanConfig> = { hidden: [16, 16] };

describe("gan-toy: one short run per variant", () => {
  for (const loss of GAN_LOSSES) {
    it(`${loss} (${loss === "wgan" || loss === "wgan-gp" ? 5 : 1} D steps per G step)`, async () => {
      const m = ganModel("gan-toy", { ...small, loss }, new E.Rng(0));
      assert.equal(m.objectives[0].steps, dStepsOf(m.config));
      await reproduce(m, toyData);
    });
  }
  const variants: [string, Partial<GanConfig>][] = [
    ["spectral norm", { spectralNorm: true, loss: "ns" }],
    ["instance noise", { instanceNoise: 0.5, instanceNoiseSteps: 4, loss: "ns" }],
    ["proximal term (5 D + 5 G steps per iteration)", { proximal: 1, loss: "ns", dSteps: 5, gSteps: 5 }],
    ["EMA sampling", { ema: 0.99, loss: "ns" }],
    ["PacGAN packing (pack 2), ns", { pack: 2, loss: "ns" }],
    ["PacGAN packing (pack 2), wgan-gp", { pack: 2, loss: "wgan-gp" }],
    ["minibatch stddev (groups of 4), ns", { minibatchStd: 4, loss: "ns" }],
    ["minibatch stddev with packing, wgan-gp", { minibatchStd: 2, pack: 2, loss: "wgan-gp" }],
    ["batch-norm generator, minimax", { gBatchNorm: true, loss: "minimax" }],
  ];
  for (const [name, over] of variants) {
    it(name, async () => {
      const m = ganModel("gan-toy", { ...small, ...over }, new E.Rng(0));
      await reproduce(m, toyData);
      if (over.ema) assert.ok(m.players.generator.ema!.values().some((v, i) => v !== flatParams(m.players.generator.net).values()[i]), "the EMA lags the weights");
      if (over.proximal) assert.ok(m.players.generator.prev, "G° kept");
    });
  }
});

describe("MNIST families: one short run each", () => {
  it("gan-mnist (fully connected, 2 × 512 hidden in G and D)", async () => {
    const m = ganModel("gan-mnist", {}, new E.Rng(0));
    assert.deepEqual(m.config.hidden, [512, 512]);
    await reproduce(m, images(16), 1);
  });

  it("dcgan (BENCHMARKS.md dcgan-mnist) and its registry entry", async () => {
    const fam = findFamily("dcgan");
    assert.deepEqual(fam.recipe.optimizers.generator, { kind: "adam", lr: 2e-4, betas: [0.5, 0.999] });
    assert.equal(fam.recipe.batchSize, 128);
    const m = ganModel("dcgan", {}, new E.Rng(0));
    const shapes = [...E.flattenTree(m.players.generator.net).leaves, ...E.flattenTree(m.players.discriminator).leaves].map((t) => t.shape.join("x"));
    for (const s of ["6272x100", "128x64x4x4", "64x1x4x4", "64x1x4x4", "128x64x4x4", "1x6272"]) assert.ok(shapes.includes(s), `a tensor of shape ${s}`);
    await reproduce(m, images(16), 1);
  });

  it("wgan-gp on a conv critic (double backprop through strided convolutions)", async () => {
    const m = ganModel("dcgan", { loss: "wgan-gp", dSteps: 1, channels: [8, 16], latent: 8 }, new E.Rng(0));
    await reproduce(m, images(16), 1);
  });
});
