// The metric registry and its built-ins: nll and elbo averaged over data through the model's
// queries (checked against a host computation), mode coverage on toy mixtures (src/metrics/gan,
// by its alias), and clear errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import "./helpers/register.js";
import "../../src/metrics/index.js";
import * as E from "../../src/engine/index.js";
import { loadDataset, toyDistribution } from "../../src/data/index.js";
import { findFamily, type GenerativeModel } from "../../src/models/index.js";
import { computeMetric, findMetric, listMetrics, MetricError, QueryRunner, type MetricContext } from "../../src/train/index.js";

const ctxFor = (model: GenerativeModel, extra: Partial<MetricContext>): MetricContext => ({ model, k: 10, batchSize: 50, seed: 0, runner: new QueryRunner(model), ...extra });

test("the registry lists its metrics and names the known ones for an unknown name", () => {
  const names = listMetrics().map((m) => m.name);
  for (const n of ["elbo", "mode-coverage", "nll"]) assert.ok(names.includes(n), n);
  assert.ok(!names.includes("modes"), "an alias is not listed as a metric of its own");
  assert.equal(findMetric("modes"), findMetric("mode-coverage"));
  assert.throws(() => findMetric("fid2"), (e: unknown) => e instanceof MetricError && /unknown metric 'fid2'; known metrics: .*elbo.*mode-coverage \(or modes\).*nll/.test(e.message));
});

test("nll is −mean log p(x) over the data (checked on the host)", async () => {
  const model = findFamily("test-quad").create({ init: 0.5 }, new E.Rng(0));
  const data = loadDataset("toy:moons?n=130");
  const r = await computeMetric("nll", ctxFor(model, { data }));
  const x = new Float32Array(130 * 2);
  data.read(Int32Array.from({ length: 130 }, (_, i) => i), x);
  let sum = 0;
  for (let i = 0; i < 130; i++) sum += 0.5 * ((x[2 * i] - 0.5) ** 2 + (x[2 * i + 1] - 0.5) ** 2) + Math.log(2 * Math.PI);
  assert.equal(r.n, 130);
  assert.ok(Math.abs(r.value - sum / 130) < 1e-4, `${r.value} vs ${sum / 130}`);
  assert.equal(r.unit, "nats/example");
  assert.ok(r.stderr! > 0);
});

test("elbo averages the model's elbo query; a model without a density cannot give nll", async () => {
  const model = findFamily("test-vae").create({ hidden: 8, latent: 2 }, new E.Rng(0));
  const data = loadDataset("mnist");
  const r = await computeMetric("elbo", ctxFor(model, { data, n: 120 }));
  assert.equal(r.n, 120);
  assert.ok(r.value < 0 && Number.isFinite(r.value));
  await assert.rejects(computeMetric("nll", ctxFor(model, { data })), /metric 'nll' is not available for model 'test-vae': it has no exact density \(no 'logProb' query\); use --metric elbo/);
  await assert.rejects(computeMetric("elbo", ctxFor(model, {})), /metric 'elbo' needs evaluation data/);
});

/** A model whose samples are the given points, cycled, plus noise of the given scale. */
function pointModel(points: readonly (readonly [number, number])[], noise: number): GenerativeModel {
  const centres = E.tensor(points.flat(), [points.length, 2]);
  return {
    family: "points",
    config: {},
    dataShape: [2],
    players: {},
    objectives: [],
    queries: {
      sample: {
        inputs: (n, o) => ({
          idx: E.tensor(Int32Array.from({ length: n }, (_, i) => i % points.length), [n], "int32"),
          eps: E.tensor(o.rng.fillNormal(new Float32Array(2 * n), 0, noise), [n, 2]),
        }),
        run: (_p, i) => E.add(E.gather(centres, i.idx), i.eps),
        describe: "points",
      },
    },
  };
}

test("modes (alias of mode-coverage): coverage of a toy mixture's modes and the high-quality fraction", async () => {
  const centers = toyDistribution("8gaussians").centers!;
  const all = await computeMetric("modes", ctxFor(pointModel(centers, 0.01), { dataSpec: "toy:8gaussians", n: 400 }));
  assert.equal(all.value, 8);
  assert.equal(all.unit, "modes of 8");
  assert.equal(all.details!.highQualityFraction, 1);
  const one = await computeMetric("modes", ctxFor(pointModel([centers[3]], 0.01), { dataSpec: "toy:8gaussians", n: 400 }));
  assert.equal(one.value, 1);
  const off = await computeMetric("modes", ctxFor(pointModel([[0, 0]], 0.01), { dataSpec: "toy:8gaussians", n: 100 }));
  assert.equal(off.value, 0);
  assert.equal(off.details!.highQualityFraction, 0);
  await assert.rejects(computeMetric("modes", ctxFor(pointModel(centers, 0.01), { dataSpec: "toy:moons" })), /not a toy Gaussian mixture/);
  const vae = findFamily("test-vae").create({}, new E.Rng(0));
  await assert.rejects(computeMetric("modes", ctxFor(vae, { dataSpec: "mnist" })), /models data of shape \[1, 28, 28\], not 2-D points/);
});
