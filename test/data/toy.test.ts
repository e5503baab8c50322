import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../../src/engine/random.js";
import { BatchIterator, loadDataset, logBesselI0, TOY_NAMES, toy, toyDistribution } from "../../src/data/index.js";

/** Midpoint-rule integral of exp(logProb) over the distribution's bounds box. */
function integrate(name: string, step: number): number {
  const dist = toyDistribution(name);
  const [lo, hi] = dist.bounds;
  const m = Math.round((hi - lo) / step);
  const h = (hi - lo) / m;
  const row = new Float64Array(2 * m);
  let total = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      row[2 * j] = lo + (j + 0.5) * h;
      row[2 * j + 1] = lo + (i + 0.5) * h;
    }
    const lp = dist.logProb!(row);
    for (let j = 0; j < m; j++) total += Math.exp(lp[j]);
  }
  return total * h * h;
}

test("every toy distribution: seeded samples of shape [n, 2], finite, in its bounds, deterministic", () => {
  for (const name of TOY_NAMES) {
    const src = toy(name, { n: 2000, seed: 4 });
    assert.equal(src.n, 2000);
    assert.deepEqual(src.exampleShape, [2]);
    assert.equal(src.points.length, 4000);
    const [lo, hi] = src.distribution.bounds;
    let outside = 0;
    for (const v of src.points) {
      assert.ok(Number.isFinite(v), `${name}: non-finite sample`);
      if (v < lo || v > hi) outside++;
    }
    assert.ok(outside < 10, `${name}: ${outside} coordinates outside [${lo}, ${hi}]`);
    assert.deepEqual(toy(name, { n: 2000, seed: 4 }).points, src.points, `${name}: same seed, same data`);
    assert.notDeepEqual(toy(name, { n: 2000, seed: 5 }).points, src.points, `${name}: other seed, other data`);
    assert.ok(src.distribution.densityNote.length > 0);
    // Spread: not collapsed onto a point.
    let sx = 0, sxx = 0;
    for (let i = 0; i < 2000; i++) {
      sx += src.points[2 * i];
      sxx += src.points[2 * i] ** 2;
    }
    assert.ok(sxx / 2000 - (sx / 2000) ** 2 > 0.05, `${name}: variance too small`);
  }
});

test("Gaussian mixtures: centres, std, logProb integrates to 1, samples within 3σ of a centre", () => {
  const eight = toyDistribution("8gaussians");
  assert.equal(eight.std, 0.02);
  assert.equal(eight.centers!.length, 8);
  for (const [x, y] of eight.centers!) assert.ok(Math.abs(Math.hypot(x, y) - 2) < 1e-12);
  const grid = toyDistribution("25gaussians");
  assert.equal(grid.std, 0.05);
  assert.equal(grid.centers!.length, 25);
  assert.deepEqual(new Set(grid.centers!.map((c) => c[0])), new Set([-4, -2, 0, 2, 4]));

  assert.ok(Math.abs(integrate("8gaussians", 0.005) - 1) < 1e-3);
  assert.ok(Math.abs(integrate("25gaussians", 0.0125) - 1) < 1e-3);

  for (const name of ["8gaussians", "25gaussians"]) {
    const src = toy(name, { n: 3000, seed: 1 });
    const { centers, std } = src;
    const labels = new Int32Array(src.n);
    src.read(Int32Array.from({ length: src.n }, (_, i) => i), new Float32Array(2 * src.n), labels);
    let near = 0;
    const hits = new Set<number>();
    for (let i = 0; i < src.n; i++) {
      const [cx, cy] = centers![labels[i]];
      const d = Math.hypot(src.points[2 * i] - cx, src.points[2 * i + 1] - cy);
      if (d < 3 * std!) near++;
      hits.add(labels[i]);
    }
    // P(|N(0, σ²I₂)| < 3σ) = 1 − e^{−4.5} ≈ 0.989.
    assert.ok(near / src.n > 0.97, `${name}: ${near}/${src.n} within 3σ`);
    assert.equal(hits.size, centers!.length, `${name}: every mode sampled`);
  }
  // Density at a centre: about (1/K)·1/(2πσ²).
  const lp = eight.logProb!(Float64Array.from([2, 0]))[0];
  assert.ok(Math.abs(lp - Math.log(1 / 8 / (2 * Math.PI * 0.02 ** 2))) < 1e-9);
});

test("rings and checkerboard: exact densities integrate to 1 and agree with samples", () => {
  assert.ok(Math.abs(integrate("rings", 0.01) - 1) < 2e-3);
  assert.ok(Math.abs(integrate("checkerboard", 0.02) - 1) < 1e-9);
  const board = toy("checkerboard", { n: 5000, seed: 2 });
  const lp = board.logProb!(board.points);
  assert.ok(lp.every((v) => Math.abs(v + Math.log(32)) < 1e-12), "every checkerboard sample is on a dark square");
  assert.equal(board.logProb!(Float64Array.from([1, -1]))[0], -Infinity); // ⌊0.5⌋+⌊-0.5⌋ odd: light square
  const rings = toy("rings", { n: 5000, seed: 3 });
  const lr = rings.logProb!(rings.points);
  assert.ok(lr.every(Number.isFinite));
  // Average log-density of samples ≈ −entropy; well above the density at the empty centre gap between rings.
  const mean = lr.reduce((a, b) => a + b, 0) / lr.length;
  const gap = toyDistribution("rings").logProb!(Float64Array.from([2.625, 0]))[0];
  assert.ok(mean > gap + 5, `mean ${mean}, gap ${gap}`);
});

test("logBesselI0 matches the power series and the large-argument asymptotics", () => {
  for (const z of [0, 0.5, 2, 3.7, 3.8, 10, 30]) {
    // I0(z) = Σ (z²/4)^k / (k!)²
    let term = 1, sum = 1;
    for (let k = 1; k < 200; k++) {
      term *= (z * z) / 4 / (k * k);
      sum += term;
    }
    assert.ok(Math.abs(logBesselI0(z) - Math.log(sum)) < 1e-6, `z=${z}`);
  }
  const z = 1e4;
  assert.ok(Math.abs(logBesselI0(z) - (z - 0.5 * Math.log(2 * Math.PI * z) + Math.log(1 + 1 / (8 * z)))) < 1e-7);
});

test("densities: distributions without a closed form say so; unknown names list the valid ones", () => {
  for (const name of ["swissroll", "moons", "pinwheel", "2spirals"]) {
    const d = toyDistribution(name);
    assert.equal(d.logProb, undefined);
    assert.match(d.densityNote, /none/);
  }
  assert.throws(() => toy("9gaussians"), (e: Error) => e.name === "DataError" && /valid names: 8gaussians, 25gaussians, swissroll/.test(e.message));
  assert.throws(() => loadDataset("toy:spiral"), /unknown toy distribution "spiral"/);
});

test("toy sources through the registry and the batcher; fresh samples from the distribution", async () => {
  const src = loadDataset("toy:moons?n=300&seed=7");
  assert.equal(src.n, 300);
  assert.equal(src.numClasses, 2);
  const it = new BatchIterator(src, { batchSize: 64, dropLast: true, seed: 1 });
  assert.equal(it.epochLength, 4);
  const b = await it.next();
  assert.deepEqual(b.shape, [64, 2]);
  assert.equal(b.labels!.length, 64);
  const fresh = toyDistribution("pinwheel").sample(10, new Rng(1));
  assert.equal(fresh.x.length, 20);
  assert.ok(fresh.labels!.every((l) => l >= 0 && l < 5));
});
