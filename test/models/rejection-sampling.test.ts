// Discriminator rejection sampling: exact (γ = 0) against a known density ratio — a N(0, 1) sampler
// whose "discriminator" is the true log ratio to N(1, 1), so the accepted draws must be N(1, 1) —
// a percentile γ accepting more at the price of exactness, and the refusals: no discriminator, a
// critic that is not a log ratio, too few acceptances.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as E from "../../src/engine/index.js";
import { QueryRunner, discriminatorRejectionSampling, rejectionSamplingProblem, type GenerativeModel } from "../../src/models/index.js";
import { asGenerativeModel, ganModel } from "../../src/models/gan/index.js";

const MU = 1;

/** x ~ N(0, 1); −energy(x) = log N(x; μ, 1) − log N(x; 0, 1) = μx − μ²/2. */
function shiftedNormal(logDensityRatio = true): GenerativeModel {
  return {
    family: "test-shifted-normal",
    config: {},
    dataShape: [1],
    players: { scale: E.tensor([1], [1]) },
    objectives: [],
    queries: {
      sample: {
        inputs: (n, o) => ({ z: E.tensor(o.rng.fillNormal(new Float32Array(n)), [n, 1]) }),
        run: (p, inp) => E.mul(inp.z, p.scale as E.Tensor),
        describe: "N(0, 1)",
      },
      energy: {
        run: (_p, inp) => E.neg(E.reshape(E.sub(E.mul(inp.x, MU), (MU * MU) / 2), [inp.x.shape[0]])),
        describe: "−log N(x; μ, 1)/N(x; 0, 1)",
        logDensityRatio,
      },
    },
  };
}

const moments = (x: Float32Array) => {
  const m = x.reduce((a, b) => a + b, 0) / x.length;
  return { mean: m, sd: Math.sqrt(x.reduce((a, b) => a + (b - m) ** 2, 0) / x.length) };
};

describe("discriminator rejection sampling", () => {
  it("with γ = 0 it is rejection sampling: N(0, 1) draws weighed by the true ratio come out N(1, 1)", async () => {
    const runner = new QueryRunner(shiftedNormal());
    try {
      const r = await discriminatorRejectionSampling(runner, 4000, { rng: new E.Rng(1), percentile: null, burnIn: 4000 });
      assert.equal(r.samples.length, 4000);
      assert.equal(r.gamma, 0);
      const { mean, sd } = moments(r.samples);
      // standard error of the mean 1/√4000 ≈ 0.016
      assert.ok(Math.abs(mean - MU) < 0.07, `mean ${mean}`);
      assert.ok(Math.abs(sd - 1) < 0.06, `sd ${sd}`);
      // acceptance ≈ E[exp(μx − μ²/2 − D̃_M)] = exp(−D̃_M): a few percent with D̃_M ≈ μ·3.7 − ½
      assert.ok(r.candidates > 4000 * 10, `candidates ${r.candidates}`);
      assert.ok(r.logitMax > 2 && r.logitMax < 4.5, `D̃_M ${r.logitMax}`);
    } finally {
      await runner.dispose();
    }
  });

  it("a percentile γ accepts more, moving the draws only part of the way", async () => {
    const runner = new QueryRunner(shiftedNormal());
    try {
      const exact = await discriminatorRejectionSampling(runner, 2000, { rng: new E.Rng(2), percentile: null, burnIn: 2000 });
      const loose = await discriminatorRejectionSampling(runner, 2000, { rng: new E.Rng(2), percentile: 0.5, burnIn: 2000 });
      assert.ok(loose.gamma < 0, `γ ${loose.gamma}`);
      assert.ok(loose.candidates < exact.candidates / 4, `candidates ${loose.candidates} vs ${exact.candidates}`);
      const { mean } = moments(loose.samples);
      assert.ok(mean > 0.1 && mean < 0.8, `mean ${mean}`);
    } finally {
      await runner.dispose();
    }
  });

  it("is refused without a log-ratio discriminator, and stops when too few draws are accepted", async () => {
    const noRatio = new QueryRunner(shiftedNormal(false));
    assert.match(rejectionSamplingProblem(noRatio)!, /the energy of model .test-shifted-normal. is not a log density ratio/);
    await assert.rejects(discriminatorRejectionSampling(noRatio, 10, { rng: new E.Rng(0) }), /discriminator rejection sampling: the energy of model .* is not a log density ratio/);
    const plain = shiftedNormal();
    delete plain.queries.energy;
    assert.match(rejectionSamplingProblem(new QueryRunner(plain))!, /has no discriminator \('energy' query\)/);
    for (const [loss, ok] of [["ns", true], ["minimax", true], ["lsgan", false], ["wgan-gp", false]] as const) {
      const gan = new QueryRunner(asGenerativeModel(ganModel("gan-toy", { hidden: [8], loss }, new E.Rng(0))));
      assert.equal(rejectionSamplingProblem(gan) === null, ok, loss);
    }
    const runner = new QueryRunner(shiftedNormal());
    try {
      await assert.rejects(discriminatorRejectionSampling(runner, 1000, { rng: new E.Rng(3), percentile: null, burnIn: 1000, maxCandidates: 2000 }), /accepted \d+ of 1000 after 2000 candidates; a percentile of the burn-in scores as γ accepts more/);
      await assert.rejects(discriminatorRejectionSampling(runner, 10, { rng: new E.Rng(3), percentile: 1 }), /percentile must be in \[0, 1\), got 1/);
    } finally {
      await runner.dispose();
      await noRatio.dispose();
    }
  });
});
