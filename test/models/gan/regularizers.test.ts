// The players' regularizers: the generator's proximal term (zero at the first step, where G° = G;
// PyTorch's value and gradient once G° differs; G° then takes the current weights), the EMA of G's
// weights that sampling uses, WGAN's weight clipping (every critic weight in [−c, c] after each
// step) and spectral normalization (each normalized weight's top singular value ≈ 1); the
// no-batch-norm DCGAN and several generator steps per iteration (its 5 D + 5 G schedule).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as E from "../../../src/engine/index.js";
import { BatchNorm1d, BatchNorm2d, Context, SpectralNorm, partition, withFields, type Sequential } from "../../../src/nn/index.js";
import { Generator, createGan, flatParams, ganModel, generatorStep, resolveGanConfig, DCGAN_DEFAULTS, type GanPlayers } from "../../../src/models/gan/index.js";
import { assertClose } from "../../nn/helpers.js";
import { T, byName, golden, goldenNets, noiseContext, tinyConfig } from "./helpers.js";
import { toyBatches, trainGan } from "./loop.js";

const x = T(golden.x);
const z = T(golden.z);
const step = E.scalar(0, "float64");

function gStep(c: ReturnType<typeof tinyConfig>, p: GanPlayers) {
  let metrics: Record<string, E.Tensor> = {};
  const ctx = noiseContext([z]);
  const r = E.valueAndGrad((g: Generator) => {
    const out = generatorStep(c, { ...p, generator: g }, { x }, ctx, step);
    metrics = out.metrics;
    return out.loss;
  })(p.generator);
  return { ...r, metrics, ctx };
}

/** Top singular value of a matrix [h, w] by power iteration on WᵀW (float64, host). */
function topSingularValue(w: E.Tensor): number {
  const [h, n] = [w.shape[0], w.size / w.shape[0]];
  const a = Float64Array.from(w.values());
  let v = new Float64Array(n).fill(1);
  let sigma = 0;
  for (let it = 0; it < 500; it++) {
    const u = new Float64Array(h);
    for (let i = 0; i < h; i++) for (let j = 0; j < n; j++) u[i] += a[i * n + j] * v[j];
    const next = new Float64Array(n);
    for (let i = 0; i < h; i++) for (let j = 0; j < n; j++) next[j] += a[i * n + j] * u[i];
    const norm = Math.hypot(...next);
    sigma = Math.sqrt(norm);
    v = next.map((q) => q / norm);
  }
  return sigma;
}

describe("the generator's proximal term λ·E‖G(z) − G°(z)‖²", () => {
  it("is zero at the first step (G° = G), where G's gradient is the loss's alone", () => {
    const c = tinyConfig({ loss: "ns", proximal: 0.5 });
    const p = goldenNets(c);
    const fresh = { ...p, generator: new Generator(p.generator.net, { ema: false, prev: true }) };
    const r = gStep(c, fresh);
    assert.equal(r.metrics.proximal.item(), 0);
    assertClose([r.value.item()], [golden.losses.ns.g_loss], 1e-12, "loss");
    for (const [k, g] of Object.entries(golden.losses.ns.g_grads as Record<string, never>)) assertClose(byName(r.grad.net)[k], g, 1e-10, `grad ${k}`);
    assert.ok(E.flattenTree(r.grad.prev).leaves.every((t) => t.values().every((v) => v === 0)), "no gradient into G°");
  });

  it("the first G step of an iteration retakes G° from the current weights: zero term, no gradient from it", () => {
    const c = tinyConfig({ loss: "ns", proximal: golden.proximal.lambda });
    const p = goldenNets(c);
    const stale = { ...p, generator: withFields(p.generator, { prevStep: E.tensor([-1], [1], "float64") }) };
    const r = gStep(c, stale);
    assert.equal(r.metrics.proximal.item(), 0);
    for (const [k, g] of Object.entries(golden.losses.ns.g_grads as Record<string, never>)) assertClose(byName(r.grad.net)[k], g, 1e-10, `grad ${k}`);
    const after = r.ctx.applyUpdates(stale.generator);
    assertClose(after.prev!, flatParams(p.generator.net), 0, "G° is now the current weights");
    assert.deepEqual(after.prevStep!.toArray(), [0], "taken at this iteration");
  });

  it("is refused with one G step per iteration, where it could do nothing", () => {
    assert.throws(() => resolveGanConfig({ proximal: 1 }, DCGAN_DEFAULTS), /proximal 1 needs gSteps ≥ 2 \(got 1\)/);
    assert.doesNotThrow(() => resolveGanConfig({ proximal: 1, gSteps: 5, dSteps: 5 }, DCGAN_DEFAULTS));
  });

  it("matches PyTorch's value and gradient once G° differs (later G steps of an iteration), and keeps G°", () => {
    const c = tinyConfig({ loss: "ns", proximal: golden.proximal.lambda });
    const p = goldenNets(c);
    const r = gStep(c, p);
    assertClose([r.metrics.proximal.item()], [golden.proximal.prox], 1e-12, "proximal term");
    assertClose([r.value.item()], [golden.proximal.g_loss], 1e-12, "loss");
    for (const [k, g] of Object.entries(golden.proximal.g_grads as Record<string, never>)) assertClose(byName(r.grad.net)[k], g, 1e-10, `grad ${k}`);
    const after = r.ctx.applyUpdates(p.generator);
    assertClose(after.prev!, p.generator.prev!, 0, "G° held for the rest of the iteration");
  });
});

describe("EMA of the generator's weights", () => {
  it("moves toward G's weights each generator step, and sampling uses it", async () => {
    const c = tinyConfig({ loss: "ns", ema: 0.9 });
    const p = goldenNets(c);
    const old = E.mul(flatParams(p.generator.net), 0.5);
    const gen = withFields(new Generator(p.generator.net, { ema: true, prev: false }), { ema: old });
    const r = gStep(c, { ...p, generator: gen });
    const after = r.ctx.applyUpdates(gen);
    assertClose(after.ema!, E.add(E.mul(old, 0.9), E.mul(flatParams(p.generator.net), 0.1)), 1e-15, "ema");
    const m = createGan("gan-toy", c, new E.Rng(1));
    m.players.generator = after;
    m.players.discriminator = p.discriminator;
    const rng = new E.Rng(7);
    const z64 = m.queries.sample!.inputs!(5, { rng }).z.cast("float64");
    const got = m.queries.sample!.run(m.players, { z: z64 }, Context.eval());
    const emaNet = E.unpackTree(after.ema!, E.packSpec(partition(after.net).params));
    const direct = E.reshape(E.add(E.matmul(E.relu(E.add(E.matmul(E.relu(E.add(E.matmul(z64, E.mT(emaNet.layers[0].weight)), emaNet.layers[0].bias)), E.mT(emaNet.layers[2].weight)), emaNet.layers[2].bias)), E.mT(emaNet.layers[4].weight)), emaNet.layers[4].bias), [5, 2]);
    assertClose(got, direct, 1e-12, "sample = G_ema(z)");
  });
});

describe("the critic's Lipschitz constraints", () => {
  it("WGAN: every critic weight stays in [−c, c] after every step (weight clipping in the recipe)", async () => {
    const m = ganModel("gan-toy", { loss: "wgan", hidden: [16, 16], clip: 0.02 }, new E.Rng(2));
    assert.equal(m.recipe.optimizers.discriminator.clipWeights, 0.02);
    const before = E.flattenTree(m.players.discriminator).leaves.reduce((a, t) => Math.max(a, ...t.values().map(Math.abs)), 0);
    assert.ok(before > 0.02, "the initial weights exceed c");
    let checked = 0;
    await trainGan(m, {
      iterations: 3,
      batchAt: toyBatches("25gaussians", 32, 1),
      recipe: m.recipe,
      every: 1,
      onIteration: () => {
        const ws = E.flattenTree(m.players.discriminator).leaves.flatMap((t) => [...t.values()]);
        assert.ok(ws.every((w) => Math.abs(w) <= 0.02), "all critic weights within [−c, c]");
        assert.ok(ws.some((w) => Math.abs(w) === Math.fround(0.02)), "clipping is active");
        checked++;
      },
    });
    assert.equal(checked, 3);
    const gw = E.flattenTree(m.players.generator.net).leaves.flatMap((t) => [...t.values()]);
    assert.ok(gw.some((w) => Math.abs(w) > 0.02), "the generator is not clipped");
  });

  it("spectral norm: each normalized weight of D has top singular value ≈ 1 after training steps", async () => {
    const m = ganModel("gan-toy", { loss: "ns", hidden: [16, 16], spectralNorm: true }, new E.Rng(3));
    const layers = () => m.players.discriminator.layers.filter((l): l is SpectralNorm => l instanceof SpectralNorm);
    assert.equal(layers().length, 3);
    const raw = layers().map((l) => topSingularValue(l.weightOrig));
    assert.ok(raw.some((s) => Math.abs(s - 1) > 0.2), `raw weights are not normalized (${raw.map((s) => s.toFixed(2)).join(", ")})`);
    await trainGan(m, { iterations: 15, batchAt: toyBatches("25gaussians", 32, 1), recipe: m.recipe });
    for (const l of layers()) {
      const { weight } = l.normalizedWeight(Context.eval());
      const s = topSingularValue(E.reshape(weight, [weight.shape[0], -1]));
      assert.ok(Math.abs(s - 1) < 0.02, `top singular value ${s}`);
    }
  });
});

describe("the no-batch-norm DCGAN with 5 D and 5 G steps per iteration", () => {
  const norms = (net: Sequential) => net.layers.filter((l) => l instanceof BatchNorm1d || l instanceof BatchNorm2d).length;

  it("gBatchNorm false removes G's batch norms (D has none either way)", () => {
    const withBn = ganModel("dcgan", {}, new E.Rng(0));
    const noBn = ganModel("dcgan", { gBatchNorm: false }, new E.Rng(0));
    assert.equal(norms(withBn.players.generator.net), 2);
    assert.equal(norms(noBn.players.generator.net), 0);
    assert.equal(norms(withBn.players.discriminator), 0);
    assert.equal(norms(noBn.players.discriminator), 0);
    assert.deepEqual(E.flattenTree(noBn.players.generator.net).leaves.map((t) => t.shape), [[6272, 100], [6272], [128, 64, 4, 4], [64], [64, 1, 4, 4], [1]]);
  });

  it("gSteps sets the generator objective's steps per iteration, and is checked", () => {
    assert.deepEqual(ganModel("dcgan", {}, new E.Rng(0)).objectives.map((o) => o.steps), [1, 1]);
    assert.deepEqual(ganModel("dcgan", { gBatchNorm: false, dSteps: 5, gSteps: 5 }, new E.Rng(0)).objectives.map((o) => o.steps), [5, 5]);
    for (const bad of [0, 1.5, -1, "5", null]) {
      assert.throws(() => resolveGanConfig({ gSteps: bad as never }, DCGAN_DEFAULTS), { message: `gan config: gSteps must be a positive integer, got ${JSON.stringify(bad)}` });
    }
  });

  it("trains gSteps generator steps per iteration, each moving G, with G° the weights before the iteration's first", async () => {
    const m = ganModel("gan-toy", { loss: "ns", hidden: [8, 8], dSteps: 2, gSteps: 3, proximal: 1 }, new E.Rng(4));
    const r = await trainGan(m, { iterations: 2, batchAt: toyBatches("25gaussians", 16, 1), recipe: m.recipe });
    assert.equal(r.losses.d_loss.length, 4);
    assert.equal(r.losses.g_loss.length, 6);
    assert.ok(r.metrics.g_loss.proximal > 0, "at the iteration's third G step G has moved away from G°");
    assert.notDeepEqual(Array.from(m.players.generator.prev!.values()), Array.from(flatParams(m.players.generator.net).values()), "G° lags G by the iteration's G steps");
    assert.deepEqual(m.players.generator.prevStep!.toArray(), [1], "G° taken at the last iteration (step 1)");
  });
});
