// Distributions: log-densities against closed forms, analytic KL and entropy against Monte Carlo,
// sample moments, and the same numbers from a compiled (ONNX Runtime) graph.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as E from "../../src/engine/index.js";
import { Bernoulli, Categorical, HostNoise, Normal, kl } from "../../src/dist/index.js";

const f64 = (v: number[], shape?: number[]) => E.tensor(new Float64Array(v), shape ?? [v.length]);
const near = (a: number, b: number, tol: number, msg = "") => assert.ok(Math.abs(a - b) <= tol, `${msg} ${a} vs ${b} (tol ${tol})`);

/** Monte Carlo mean over n draws of a per-element quantity (axis 0 of a [n, ...] tensor). */
function mcMean(t: E.Tensor): number[] {
  return E.mean(t, 0).toArray();
}

test("Normal: logProb matches the Gaussian density; entropy and KL match Monte Carlo", () => {
  const p = new Normal(f64([0.3, -1.2, 2]), f64([0.1, -0.7, 0.4]));
  const q = new Normal(f64([-0.5, 0, 1.5]), f64([0.3, 0.2, -0.1]));
  const x = f64([0.5, -1, 3]);
  const lp = p.logProb(x).toArray();
  [0.3, -1.2, 2].forEach((mu, i) => {
    const s = Math.exp([0.1, -0.7, 0.4][i]);
    const expect = -0.5 * ((x.toArray()[i] - mu) / s) ** 2 - Math.log(s) - 0.5 * Math.log(2 * Math.PI);
    near(lp[i], expect, 1e-12, "logProb");
  });
  const n = 200_000;
  const noise = new HostNoise(new E.Rng(1), "float64");
  const z = p.rsample(noise.normal([n, 3]));
  const klMc = mcMean(E.sub(p.logProb(z), q.logProb(z)));
  const klAn = kl(p, q).toArray();
  const entMc = mcMean(E.neg(p.logProb(z)));
  const ent = p.entropy().toArray();
  for (let i = 0; i < 3; i++) {
    near(klMc[i], klAn[i], 0.03 * Math.max(1, klAn[i]), `KL[${i}]`);
    near(entMc[i], ent[i], 0.02, `H[${i}]`);
  }
  // the standard-normal shortcut agrees with the general formula
  const std = Normal.standard([3], "float64");
  kl(p, std).toArray().forEach((v, i) => near(v, p.klToStandard().toArray()[i], 1e-12, "klToStandard"));
  // sample moments
  const zm = mcMean(z);
  const zv = mcMean(E.square(E.sub(z, E.mean(z, 0, true))));
  [0.3, -1.2, 2].forEach((mu, i) => near(zm[i], mu, 0.02, "mean"));
  [0.1, -0.7, 0.4].forEach((ls, i) => near(zv[i], Math.exp(2 * ls), 0.03 * Math.exp(2 * ls), "variance"));
});

test("Normal: fromLogVar and fromScale parameterize the same distribution", () => {
  const a = Normal.fromLogVar(f64([1]), f64([Math.log(4)]));
  const b = Normal.fromScale(f64([1]), 2);
  near(a.logProb(f64([0])).item(), b.logProb(f64([0])).item(), 1e-12);
  near(a.scale().item(), 2, 1e-12);
});

test("Bernoulli: logProb is −BCE; entropy, KL and sampling frequency match", () => {
  const logits = [-3, -0.2, 0.5, 4];
  const p = new Bernoulli(f64(logits));
  const q = new Bernoulli(f64([1, 0, -2, 2]));
  const probs = logits.map((l) => 1 / (1 + Math.exp(-l)));
  const lp1 = p.logProb(f64([1, 1, 1, 1])).toArray();
  const lp0 = p.logProb(f64([0, 0, 0, 0])).toArray();
  probs.forEach((pr, i) => {
    near(lp1[i], Math.log(pr), 1e-12, "log p(1)");
    near(lp0[i], Math.log(1 - pr), 1e-12, "log p(0)");
    near(p.entropy().toArray()[i], -(pr * Math.log(pr) + (1 - pr) * Math.log(1 - pr)), 1e-12, "entropy");
  });
  const qp = [1, 0, -2, 2].map((l) => 1 / (1 + Math.exp(-l)));
  kl(p, q).toArray().forEach((v, i) => {
    const expect = probs[i] * Math.log(probs[i] / qp[i]) + (1 - probs[i]) * Math.log((1 - probs[i]) / (1 - qp[i]));
    near(v, expect, 1e-12, "KL");
  });
  const n = 100_000;
  const big = new Bernoulli(E.broadcastTo(f64(logits, [1, 4]), [n, 4]));
  const s = big.sample(new HostNoise(new E.Rng(2), "float64"));
  mcMean(s).forEach((m, i) => near(m, probs[i], 0.01, "frequency"));
  // log-probabilities stay finite far into saturation
  const sat = new Bernoulli(f64([-200, 200])).logProb(f64([1, 0])).toArray();
  near(sat[0], -200, 1e-9);
  near(sat[1], -200, 1e-9);
});

test("Categorical: logProb, entropy, KL and Gumbel-max sampling frequencies", () => {
  const logits = [0.1, 1.5, -1, 0.7];
  const p = new Categorical(f64(logits, [1, 4]));
  const q = new Categorical(f64([0, 0, 0, 1], [1, 4]));
  const z = logits.reduce((s, l) => s + Math.exp(l), 0);
  const probs = logits.map((l) => Math.exp(l) / z);
  for (let k = 0; k < 4; k++) near(p.logProb(E.tensor(new Int32Array([k]), [1])).item(), Math.log(probs[k]), 1e-12, `log p(${k})`);
  near(p.entropy().item(), -probs.reduce((s, pr) => s + pr * Math.log(pr), 0), 1e-12, "entropy");
  const qz = 3 + Math.E;
  const qprobs = [1, 1, 1, Math.E].map((v) => v / qz);
  near(kl(p, q).item(), probs.reduce((s, pr, i) => s + pr * Math.log(pr / qprobs[i]), 0), 1e-12, "KL");
  near(p.mean().item(), probs.reduce((s, pr, i) => s + i * pr, 0), 1e-12, "mean");
  assert.equal(p.mode().item(), 1);
  const n = 50_000;
  const big = new Categorical(E.broadcastTo(f64(logits, [1, 4]), [n, 4]));
  const draws = big.sample(new HostNoise(new E.Rng(3), "float64")).toArray();
  const counts = [0, 0, 0, 0];
  for (const d of draws) counts[d]++;
  counts.forEach((c, i) => near(c / n, probs[i], 0.01, `frequency of ${i}`));
  // Monte Carlo KL over those draws
  const lpDraws = E.sub(big.logProb(E.tensor(new Int32Array(draws), [n])), new Categorical(E.broadcastTo(f64([0, 0, 0, 1], [1, 4]), [n, 4])).logProb(E.tensor(new Int32Array(draws), [n])));
  near(E.mean(lpDraws).item(), kl(p, q).item(), 0.02, "KL by Monte Carlo");
});

test("kl refuses pairs without a closed form", () => {
  assert.throws(() => kl(new Normal(f64([0]), f64([0])), new Bernoulli(f64([0]))), /no closed form/);
});

test("compiled: Normal KL, Bernoulli logProb and Categorical sampling run in ONNX Runtime and agree with eager", async () => {
  const rng = new E.Rng(4);
  const mu = E.tensor(rng.fillNormal(new Float32Array(12)), [3, 4]);
  const lv = E.tensor(rng.fillNormal(new Float32Array(12)), [3, 4]);
  const x = E.tensor(new Float32Array(12).map((_, i) => i % 2), [3, 4]);
  const u = E.tensor(rng.fillUniform(new Float32Array(12)), [3, 4]);
  const fn = (mu: E.Tensor, lv: E.Tensor, x: E.Tensor, u: E.Tensor) => {
    const noise = { uniform: () => u, normal: () => { throw new Error("unused"); } };
    return {
      kl: Normal.fromLogVar(mu, lv).klToStandard(),
      lp: new Bernoulli(mu).logProb(x),
      draw: new Categorical(mu).sample(noise),
    };
  };
  const compiled = E.compile(fn);
  const got = await compiled(mu, lv, x, u);
  const want = fn(mu, lv, x, u);
  for (const k of ["kl", "lp", "draw"] as const) {
    const a = got[k].toArray();
    const b = want[k].toArray();
    a.forEach((v, i) => near(v, b[i], 1e-5 * Math.max(1, Math.abs(b[i])), `${k}[${i}]`));
  }
  await compiled.dispose();
});
