// Metrics on a small trained VAE: IWAE(k) is at least the ELBO and grows with k; chunking the k draws
// changes nothing; the registry's iwae / nll / active-units / amortization-gap answer (and refuse
// models they cannot answer); pictures come out as PNGs of the right size.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as E from "../../src/engine/index.js";
import { ArraySource } from "../../src/data/index.js";
import { findFamily, type GenerativeModel } from "../../src/models/index.js";
import { amortizationGap, chunkSizes, elbo, interpolations, iwae, latentDiagnostics, nll, reconstructions, samples } from "../../src/metrics/index.js";
import { computeMetric, MetricError, type MetricContext } from "../../src/metrics/registry.js";
import { QueryRunner } from "../../src/models/query.js";
import { decodePng } from "../../src/io/index.js";
import { fitLocalPosterior, type VaeModel } from "../../src/models/vae/index.js";
import { blobs, cycleBatches, train } from "../models/helpers.js";

const SHAPE = [1, 8, 8] as const;
const data = blobs(96, SHAPE, 4);
const source = new ArraySource(data.x, SHAPE, { name: "blobs", labels: data.labels });
let vae: GenerativeModel;

before(async () => {
  vae = findFamily("vae").create({ dataShape: [...SHAPE], hidden: [32, 16], latent: 3 }, new E.Rng(0));
  await train(vae, cycleBatches(data.x, SHAPE, 16), 300, { lr: 3e-3 }); // long enough for the latent to be used (KL > 1 nat)
});

test("IWAE(k) ≥ ELBO and increases with k on a fixed model", async (t) => {
  const opts = { n: 64, batchSize: 32, seed: 1 };
  const e = await elbo(vae, source, opts);
  const b = await Promise.all([1, 5, 50, 500].map((k) => iwae(vae, source, { ...opts, k })));
  t.diagnostic(`ELBO ${e.bound.toFixed(3)}; IWAE k=1,5,50,500: ${b.map((r) => r.bound.toFixed(3)).join(", ")}`);
  for (let i = 1; i < b.length; i++) assert.ok(b[i].bound > b[i - 1].bound, `IWAE-${b[i].k} ${b[i].bound} vs IWAE-${b[i - 1].k} ${b[i - 1].bound}`);
  // ≥ the ELBO: with margin where the gap is well above the Monte Carlo noise (k ≥ 50)
  for (const r of b.slice(2)) assert.ok(r.bound > e.bound + 0.02, `IWAE-${r.k} ${r.bound} vs ELBO ${e.bound}`);
  // k = 1 is a Monte Carlo ELBO: the same expectation as the analytic-KL one
  assert.ok(Math.abs(b[0].bound - e.bound) < 4 * Math.hypot(b[0].stderr, e.stderr) + 0.5, `IWAE-1 ${b[0].bound} vs ELBO ${e.bound}`);
  assert.ok(Math.abs(b[3].elbo! - e.bound) < 0.5, `mean log-weight ${b[3].elbo} vs ELBO ${e.bound}`);
  for (const r of [e, ...b]) {
    assert.equal(r.n, 64);
    assert.ok(Math.abs(r.nll + r.bound) < 1e-12 && r.nll > 0 && Number.isFinite(r.stderr));
  }
  const viaNll = await nll(vae, source, { ...opts, k: 50 });
  assert.equal(viaNll.bound, b[2].bound, "nll of a VAE is its IWAE-k");
});

test("IWAE: draws split into chunks give the same bound as one chunk", async () => {
  assert.deepEqual(chunkSizes(1000, 50), new Array(20).fill(50));
  assert.deepEqual(chunkSizes(7, 3), [3, 2, 2]);
  assert.deepEqual(chunkSizes(5, 100), [5]);
  const one = await iwae(vae, source, { n: 32, batchSize: 32, k: 6, seed: 2 });
  const split = await iwae(vae, source, { n: 32, batchSize: 32, k: 6, seed: 2, maxRows: 3 * 32 });
  one.perExample.forEach((v, i) => assert.ok(Math.abs(v - split.perExample[i]) < 1e-4, `example ${i}: ${v} vs ${split.perExample[i]}`));
});

function metricContext(model: GenerativeModel, extra: Partial<MetricContext> = {}): MetricContext {
  return { model, data: source, k: 20, n: 32, batchSize: 16, seed: 3, runner: new QueryRunner(model), ...extra };
}

test("registry: iwae, nll, active-units and amortization-gap answer for a VAE and refuse an autoencoder", async () => {
  const r = await computeMetric("iwae", metricContext(vae));
  const direct = await iwae(vae, source, { n: 32, batchSize: 16, k: 20, seed: 3 });
  assert.ok(Math.abs(r.value - direct.nll) < 1e-9, `registry iwae ${r.value} vs iwae() ${direct.nll}`);
  assert.equal(r.unit, "nats/example");
  assert.equal(r.details!.k, 20);
  const n = await computeMetric("nll", metricContext(vae));
  assert.equal(n.value, r.value);
  const au = await computeMetric("active-units", metricContext(vae));
  assert.ok(au.value >= 0 && au.value <= 3 && Number.isFinite(au.details!.kl_dim_0));
  const gap = await computeMetric("amortization-gap", metricContext(vae, { n: 16 }));
  assert.ok(Number.isFinite(gap.value) && gap.n === 16);
  const ae = findFamily("autoencoder").create({ dataShape: [...SHAPE], hidden: [16], code: 3 }, new E.Rng(0));
  await assert.rejects(() => computeMetric("iwae", metricContext(ae)), (e: Error) => e instanceof MetricError && /no importance weights/.test(e.message));
  await assert.rejects(() => computeMetric("nll", metricContext(ae)), (e: Error) => e instanceof MetricError && /no exact density/.test(e.message));
  await assert.rejects(() => computeMetric("amortization-gap", metricContext(ae)), /not a VAE/);
});

test("non-amortized VI: per-example posteriors improve on the encoder's ELBO (the amortization gap is ≥ 0)", async () => {
  const x = E.tensor(data.x.slice(0, 16 * 64), [16, ...SHAPE]);
  const fromEncoder = await fitLocalPosterior(vae as unknown as VaeModel, x, undefined, { steps: 150, rng: new E.Rng(5) });
  const mean = (a: Float64Array) => a.reduce((s, v) => s + v, 0) / a.length;
  assert.ok(mean(fromEncoder.elbo) > mean(fromEncoder.amortizedElbo) - 0.05, `optimized ${mean(fromEncoder.elbo)} vs amortized ${mean(fromEncoder.amortizedElbo)}`);
  const fromPrior = await fitLocalPosterior(vae as unknown as VaeModel, x, undefined, { steps: 150, init: "prior", rng: new E.Rng(5) });
  const tr = fromPrior.trace;
  assert.ok(tr.slice(-10).reduce((s, v) => s + v, 0) / 10 > tr.slice(0, 10).reduce((s, v) => s + v, 0) / 10 + 1, "optimizing from the prior raises the ELBO");
  assert.deepEqual([...fromPrior.loc.shape], [16, 3]);
  const g = await amortizationGap(vae, source, { n: 16, batchSize: 16, steps: 150 });
  assert.ok(g.gap > -0.05 && Math.abs(g.optimizedElbo - g.amortizedElbo - g.gap) < 1e-9, `gap ${g.gap}`);
});

test("latent diagnostics: active units and per-dimension KL over the data", async () => {
  const d = await latentDiagnostics(vae, source, { batchSize: 32 });
  assert.equal(d.n, 96);
  assert.equal(d.perDimKl.length, 3);
  assert.ok(d.activeUnits >= 0 && d.activeUnits <= 3);
  assert.equal(d.activeUnits, [...d.meanVariance].filter((v) => v > 0.01).length);
  for (const v of d.perDimKl) assert.ok(Number.isFinite(v) && v >= 0);
});

test("pictures: reconstructions, samples and a latent interpolation strip as PNGs", async () => {
  const dir = mkdtempSync(join(tmpdir(), "eikon-metrics-"));
  const rec = await reconstructions(vae, source, { n: 4, out: join(dir, "rec.png") });
  assert.deepEqual(rec.shape, [8, 1, 8, 8]);
  const recPng = await decodePng(join(dir, "rec.png"));
  assert.deepEqual([recPng.width, recPng.height], [4 * 10 + 2, 2 * 10 + 2]);
  const smp = await samples(vae, { n: 9, out: join(dir, "samples.png") });
  assert.deepEqual(smp.shape, [9, 1, 8, 8]);
  assert.ok(smp.images.every((v) => v >= 0 && v <= 1));
  const strip = await interpolations(vae, source, { steps: 5, out: join(dir, "interp.png") });
  const png = await decodePng(join(dir, "interp.png"));
  assert.deepEqual([png.width, png.height], [5 * 10 + 2, 12]);
  // the strip starts and ends at the two examples' reconstructions
  const ends = await reconstructions(vae, source, { n: 2 });
  const first = strip.images.subarray(0, 64), last = strip.images.subarray(4 * 64, 5 * 64);
  ends.images.subarray(2 * 64, 3 * 64).forEach((v, i) => assert.ok(Math.abs(v - first[i]) < 1e-5));
  ends.images.subarray(3 * 64, 4 * 64).forEach((v, i) => assert.ok(Math.abs(v - last[i]) < 1e-5));
  const ae = findFamily("autoencoder").create({ dataShape: [...SHAPE], hidden: [16], code: 3 }, new E.Rng(0));
  const aeStrip = await interpolations(ae, source, { steps: 3, path: "slerp" });
  assert.deepEqual(aeStrip.shape, [3, 1, 8, 8]);
  await assert.rejects(() => samples(ae, { n: 2 }), /no 'sample' query/);
});
