// The GAN metrics in `eikon eval`'s registry: mode-coverage on a toy model, fid and digits on an
// MNIST-shaped generator, and clear refusals for models that cannot answer them.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as E from "../../../src/engine/index.js";
import "../../../src/metrics/gan/index.js";
import { asGenerativeModel, ganModel } from "../../../src/models/gan/index.js";
import { computeMetric, listMetrics, QueryRunner, type MetricContext } from "../../../src/train/index.js";

const context = (model: ReturnType<typeof asGenerativeModel>, dataSpec: string | null, n: number): MetricContext => ({ model, dataSpec, k: 1, n, batchSize: 250, seed: 0, runner: new QueryRunner(model) });

describe("registered GAN metrics", () => {
  it("are listed", () => {
    const names = listMetrics().map((m) => m.name);
    for (const n of ["fid", "digits", "mode-coverage"]) assert.ok(names.includes(n), `${n} in ${names.join(", ")}`);
  });

  it("mode-coverage evaluates a toy GAN on the mixture named by its data spec", async () => {
    const model = asGenerativeModel(ganModel("gan-toy", { hidden: [8] }, new E.Rng(0)));
    const ctx = context(model, "toy:25gaussians?n=51200", 500);
    const r = await computeMetric("mode-coverage", ctx);
    assert.equal(r.n, 500);
    assert.equal(r.unit, "modes of 25");
    assert.ok(r.value >= 0 && r.value <= 25);
    assert.ok(r.details!.highQualityFraction >= 0 && r.details!.highQualityFraction <= 1);
    await assert.rejects(computeMetric("mode-coverage", context(model, "toy:moons", 10)), /not a toy Gaussian mixture/);
    await assert.rejects(computeMetric("fid", ctx), /not 28×28 grey images/);
    await ctx.runner.dispose();
  });

  it("fid and digits evaluate an MNIST generator's samples (an untrained one scores badly)", async () => {
    const model = asGenerativeModel(ganModel("dcgan", {}, new E.Rng(0)));
    const ctx = context(model, "mnist", 500);
    const f = await computeMetric("fid", ctx);
    assert.equal(f.n, 500);
    assert.ok(f.value > 100, `FID of an untrained DCGAN ${f.value}`);
    const d = await computeMetric("digits", ctx);
    assert.ok(d.value >= 0 && d.value <= 10);
    assert.ok(Math.abs(Array.from({ length: 10 }, (_, k) => d.details![`share${k}`]).reduce((a, b) => a + b, 0) - 1) < 1e-9);
    await assert.rejects(computeMetric("mode-coverage", ctx), /not 2-D points/);
    await ctx.runner.dispose();
  });
});
