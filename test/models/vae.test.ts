// VAE family: every variant's loss falls on a small problem and its queries give finite, correctly
// shaped output; the ELBO's analytic KL agrees with the Monte Carlo log-weights; β schedules reach
// the loss; CVAE samples follow the requested class; the reference configuration runs a step and
// reproduces it exactly.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as E from "../../src/engine/index.js";
import { findFamily, type GenerativeModel } from "../../src/models/index.js";
import { klWeightAt, type VaeModel } from "../../src/models/vae/index.js";
import { QueryRunner } from "../../src/models/query.js";
import { exportOnnx } from "../../src/train/export.js";
import { assertFinite, blobs, cycleBatches, ends, train } from "./helpers.js";

const SHAPE = [1, 8, 8] as const;
const SMALL = { dataShape: [...SHAPE], hidden: [32, 16], channels: [8, 16], latent: 4 };
const data = blobs(64, SHAPE, 1);
const batches = cycleBatches(data.x, SHAPE, 16, data.labels);

const VARIANTS: [string, string, Record<string, unknown>][] = [
  ["mlp bernoulli", "vae", {}],
  ["conv bernoulli", "vae", { arch: "conv" }],
  ["mlp gaussian (fixed σ)", "vae", { likelihood: "gaussian", sigma: 0.3 }],
  ["mlp gaussian (learned σ)", "vae", { likelihood: "gaussian-learned" }],
  ["mlp categorical-256", "vae", { likelihood: "categorical", categoricalFeatures: 4 }],
  ["conv categorical-256", "vae", { arch: "conv", likelihood: "categorical", categoricalFeatures: 4 }],
  ["score-function estimator", "vae", { estimator: "score", samples: 2 }],
  ["cvae mlp", "cvae", { numClasses: 2 }],
  ["cvae conv", "cvae", { numClasses: 2, arch: "conv" }],
];

function make(family: string, cfg: Record<string, unknown>, seed = 0): GenerativeModel {
  return findFamily(family).create({ ...SMALL, ...cfg }, new E.Rng(seed));
}

async function checkQueries(model: GenerativeModel, label: string): Promise<void> {
  const runner = new QueryRunner(model);
  const n = 5;
  const rng = new E.Rng(3);
  const x = E.tensor(data.x.slice(0, n * 64), [n, ...SHAPE]);
  const labels = model.family === "cvae" ? data.labels.slice(0, n) : undefined;
  const shape = (t: E.Tensor) => [...t.shape];
  try {
    const s = await runner.run("sample", { n, rng });
    assert.deepEqual(shape(s), [n, ...SHAPE], `${label}: sample shape`);
    assertFinite(s, `${label}: samples`);
    const z = await runner.run("encode", { n, x, labels, rng });
    assert.deepEqual(shape(z), [n, 4], `${label}: encode shape`);
    assertFinite(z, `${label}: codes`);
    const d = await runner.run("decode", { n, inputs: { z }, labels, rng });
    assert.deepEqual(shape(d), [n, ...SHAPE], `${label}: decode shape`);
    const r = await runner.run("reconstruct", { n, x, labels, rng });
    assert.deepEqual(shape(r), [n, ...SHAPE], `${label}: reconstruct shape`);
    assert.deepEqual(d.toArray(), r.toArray(), `${label}: reconstruct = decode(encode(x))`);
    const prior = await runner.run("decode", { n, labels, rng: new E.Rng(7) }); // z from the prior
    const sampled = await runner.run("sample", { n, labels, rng: new E.Rng(7) });
    assert.deepEqual(prior.toArray(), sampled.toArray(), `${label}: decode of prior draws = sample`);
    for (const q of ["elbo", "logProb"] as const) {
      const v = await runner.run(q, { n, x, labels, rng });
      assert.deepEqual(shape(v), [n], `${label}: ${q} shape`);
      assertFinite(v, `${label}: ${q}`);
      const discrete = ["bernoulli", "categorical"].includes((model as unknown as VaeModel).config.likelihood);
      if (discrete) for (const e of v.toArray()) assert.ok(e < 0, `${label}: ${q} bounds a probability of discrete data (< 0), got ${e}`);
    }
  } finally {
    await runner.dispose();
  }
}

for (const [label, family, cfg] of VARIANTS) {
  test(`vae variant '${label}': reproduces its first step; loss falls; sample/encode/decode/elbo/logProb are finite and shaped`, async () => {
    const model = make(family, cfg);
    const r = await train(model, batches, 40, { lr: 3e-3, twin: make(family, cfg) });
    r.losses.forEach((l, i) => assert.ok(Number.isFinite(l), `${label}: loss at step ${i} is ${l}`));
    const { first, last } = ends(r.losses, 5);
    assert.ok(last < first - 0.05 * Math.abs(first), `${label}: loss fell only from ${first.toFixed(2)} to ${last.toFixed(2)}`);
    const m = r.metrics.at(-1)!;
    for (const k of ["elbo", "rec", "kl", "beta", "active_units", "kl_dim_0", "kl_dim_3"]) assert.ok(Number.isFinite(m[k]), `${label}: metric ${k}`);
    assert.ok(Math.abs(m.kl - [0, 1, 2, 3].reduce((s, i) => s + m[`kl_dim_${i}`], 0)) < 1e-3 * Math.max(1, m.kl), `${label}: per-dimension KL sums to the KL`);
    await checkQueries(model, label);
  });
}

test("ELBO with analytic KL equals the mean log importance weight (Monte Carlo KL) on the same draws", async () => {
  const model = make("vae", {}) as unknown as VaeModel;
  await train(model as unknown as GenerativeModel, batches, 20, { lr: 3e-3 });
  const n = 8, k = 4000;
  const x = E.tensor(data.x.slice(0, n * 64), [n, ...SHAPE]);
  const ctxWith = (eps: E.Tensor) => ({ train: false, normal: () => eps, uniform: (): E.Tensor => { throw new Error("unused"); } });
  const elboQuery = model.queries.elbo!;
  const fn = E.compile((players: unknown, x: E.Tensor, eps: E.Tensor) => {
    // log w = log p(x|z) + log p(z) − log q(z|x) for k draws z = μ + σε, ε [k, n, L]
    const w = model.logWeights(players as never, { x }, k, ctxWith(eps));
    // the elbo query (analytic KL) on x repeated k times, fed the same ε in the same order
    const xk = E.reshape(E.broadcastTo(E.reshape(x, [1, n, ...SHAPE]), [k, n, ...SHAPE]), [k * n, ...SHAPE]);
    const el = elboQuery.run(players as never, { x: xk }, ctxWith(E.reshape(eps, [1, k * n, 4])));
    return { meanW: E.mean(w, 0), sdW: E.sqrt(E.variance(w, 0)), analytic: E.mean(E.reshape(el, [k, n]), 0) };
  });
  const rng = new E.Rng(9);
  const r = await fn(model.players, x, E.tensor(rng.fillNormal(new Float32Array(k * n * 4)), [k, n, 4]));
  await fn.dispose();
  const [mc, sd, an] = [r.meanW.toArray(), r.sdW.toArray(), r.analytic.toArray()];
  for (let i = 0; i < n; i++) {
    // they differ only by the KL's Monte Carlo error: mean of (log q − log p(z)) − KL over k draws
    const tol = (5 * sd[i]) / Math.sqrt(k) + 1e-3;
    assert.ok(Math.abs(mc[i] - an[i]) < tol, `example ${i}: Monte Carlo ELBO ${mc[i].toFixed(4)} vs analytic-KL ELBO ${an[i].toFixed(4)} (tol ${tol.toFixed(4)})`);
  }
});

test("β schedules: the in-graph weight follows linear warm-up and cyclical annealing", async () => {
  for (const sched of [
    { klSchedule: "linear", beta: 2, betaStart: 0.5, warmupSteps: 10 },
    { klSchedule: "cyclical", beta: 1, betaStart: 0, cycleSteps: 8, cycleRatio: 0.5 },
  ]) {
    const model = make("vae", sched);
    const r = await train(model, batches, 20, { lr: 1e-3 });
    const c = (model as unknown as VaeModel).config;
    r.metrics.forEach((m, i) => assert.ok(Math.abs(m.beta - klWeightAt({ kind: c.klSchedule, beta: c.beta, betaStart: c.betaStart, warmupSteps: c.warmupSteps, cycleSteps: c.cycleSteps, cycleRatio: c.cycleRatio }, i)) < 1e-6, `${sched.klSchedule} step ${i}: β ${m.beta}`));
    // and the loss is rec + β·KL
    r.metrics.forEach((m, i) => assert.ok(Math.abs(r.losses[i] - (m.rec + m.beta * m.kl)) < 1e-3 * Math.abs(r.losses[i]), `${sched.klSchedule} step ${i}: loss = rec + β·kl`));
  }
  assert.equal(klWeightAt({ kind: "cyclical", beta: 1, betaStart: 0, warmupSteps: 1, cycleSteps: 8, cycleRatio: 0.5 }, 10), 0.5);
  assert.equal(klWeightAt({ kind: "linear", beta: 1, betaStart: 0, warmupSteps: 10, cycleSteps: 1, cycleRatio: 1 }, 25), 1);
});

test("cvae: samples of a chosen class follow it (left blob for class 0, right blob for class 1)", async () => {
  const model = make("cvae", { numClasses: 2, latent: 2 });
  await train(model, batches, 150, { lr: 3e-3 });
  const runner = new QueryRunner(model);
  const n = 32;
  const left = (imgs: Float32Array) => {
    let l = 0, r = 0;
    for (let i = 0; i < n; i++) for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) (x < 4 ? (l += imgs[i * 64 + y * 8 + x]) : (r += imgs[i * 64 + y * 8 + x]));
    return l / (l + r);
  };
  const s0 = (await runner.run("sample", { n, rng: new E.Rng(5), labels: new Int32Array(n).fill(0) })).values() as Float32Array;
  const s1 = (await runner.run("sample", { n, rng: new E.Rng(5), labels: new Int32Array(n).fill(1) })).values() as Float32Array;
  await runner.dispose();
  assert.ok(left(s0) > 0.6, `class-0 samples should sit left: left fraction ${left(s0).toFixed(2)}`);
  assert.ok(left(s1) < 0.4, `class-1 samples should sit right: left fraction ${left(s1).toFixed(2)}`);
  let diff = 0;
  for (let i = 0; i < s0.length; i++) diff += Math.abs(s0[i] - s1[i]);
  assert.ok(diff / s0.length > 0.1, "same z, different class: different images");
  await assert.rejects(() => new QueryRunner(model).run("elbo", { n: 2, x: E.zeros([2, ...SHAPE]), rng: new E.Rng(0) }), /needs the examples' labels/);
});

test("reproduce: the reference configurations (vae-mlp, its CVAE) run a step on dummy data, identically per seed", async () => {
  for (const family of ["vae", "cvae"]) {
    const defaults = findFamily(family).defaults as { dataShape: number[] };
    const per = defaults.dataShape.reduce((a, b) => a * b, 1);
    const rng = new E.Rng(2);
    const x = new Float32Array(4 * per).map(() => (rng.uniform() < 0.2 ? 1 : 0));
    const at = cycleBatches(x, defaults.dataShape, 4, Int32Array.from([0, 1, 2, 3]));
    const run = async () => {
      const m = findFamily(family).create({}, new E.Rng(0));
      const r = await train(m, at, 1);
      return { loss: r.losses[0], params: E.packTree((m.players as { model: unknown }).model).flat.toArray() };
    };
    const a = await run();
    const b = await run();
    assert.ok(Number.isFinite(a.loss) && a.loss > 0, `${family}: loss ${a.loss}`);
    assert.equal(a.loss, b.loss, `${family}: same seed, same loss`);
    assert.deepEqual(a.params, b.params, `${family}: same seed, same parameters after the step`);
  }
});

test("export: a VAE's decoder and encoder go to standalone ONNX and agree with the compiled queries", async () => {
  for (const family of ["vae", "cvae"]) {
    const model = make(family, family === "cvae" ? { numClasses: 2 } : {});
    // a CVAE's data queries need real labels, which the exporter does not supply: its decoder only
    for (const part of family === "cvae" ? (["decoder"] as const) : (["decoder", "encoder", "density"] as const)) {
      const ex = exportOnnx(model, { part, batch: 3 });
      const want = await ex.run();
      assert.equal(ex.outputs[0].shape[0], 3, `${family} ${part}`);
      assertFinite(want, `${family} ${part}`);
      const session = await E.nativeBackend().createSession(ex.bytes);
      const feeds = Object.fromEntries(Object.entries(ex.exampleFeeds).map(([k, t]) => [k, { data: t.values(), shape: t.shape, dtype: t.dtype }]));
      const got = Object.values(await session.run(feeds))[0].data;
      await session.release();
      want.values().forEach((v, i) => assert.ok(Math.abs(v - got[i]) <= 1e-5 * Math.max(1, Math.abs(v)), `${family} ${part}: exported ${got[i]} vs compiled ${v}`));
      if (part === "decoder") assert.deepEqual(ex.inputs.map((i) => i.name).sort(), family === "cvae" ? ["labels", "z"] : ["z"]);
    }
  }
});

test("vae config: bad values fail with a message naming the key", () => {
  const vae = findFamily("vae");
  assert.throws(() => vae.create({ latnt: 3 } as never, new E.Rng(0)), /unknown key 'latnt'/);
  assert.throws(() => vae.create({ estimator: "score", samples: 1 }, new E.Rng(0)), /samples ≥ 2/);
  assert.throws(() => vae.create({ likelihood: "poisson" } as never, new E.Rng(0)), /likelihood must be one of/);
  assert.throws(() => vae.create({ arch: "conv", dataShape: [1, 10, 10] }, new E.Rng(0)), /divisible by 4/);
  assert.throws(() => findFamily("cvae").create({ numClasses: 0 }, new E.Rng(0)), /numClasses must be ≥ 1/);
});
