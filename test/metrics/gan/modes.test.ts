// Toy mode coverage on hand-made samples: nearest centre, the 3σ high-quality radius, modes
// covered, the high-quality fraction and the KL of the mode histogram to uniform.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { mixtureTarget, modeCoverage, modes } from "../../../src/metrics/gan/index.js";

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

describe("mode coverage", () => {
  it("25 Gaussians: counts modes within 3σ = 0.15 of a centre, the high-quality share and KL to uniform", () => {
    const t = mixtureTarget("25gaussians");
    assert.equal(t.centers.length, 25);
    assert.equal(t.std, 0.05);
    const pts: number[] = [];
    // three samples at (−4, −4), one at (0, 0) 0.1 off (inside 0.15), one at (2, 2) 0.2 off (outside)
    pts.push(-4, -4, -4.05, -4, -4, -3.9);
    pts.push(0.1, 0);
    pts.push(2, 2.2);
    // one far from every centre (nearest is (4, 4), 1.41 away)
    pts.push(5, 5);
    const r = modeCoverage(pts, t);
    assert.equal(r.modes, 2);
    assert.equal(r.total, 25);
    close(r.highQuality, 4 / 6);
    // p = (3/4, 1/4) over 25 modes: Σ p log(25p)
    close(r.kl!, 0.75 * Math.log(0.75 * 25) + 0.25 * Math.log(0.25 * 25));
    assert.equal(r.counts.reduce((a, b) => a + b, 0), 4);
  });

  it("8 Gaussians: every mode hit equally gives KL 0; none hit gives no KL", async () => {
    const t = mixtureTarget("8gaussians");
    const pts = t.centers.flatMap(([x, y]) => [x + 0.05, y, x, y - 0.05]);
    const r = modeCoverage(pts, t);
    assert.equal(r.modes, 8);
    close(r.highQuality, 1);
    close(r.kl!, 0);
    // 0.07 > 3σ = 0.06 from every centre
    const off = modeCoverage(t.centers.flatMap(([x, y]) => [x + 0.07, y]), t);
    assert.equal(off.modes, 0);
    assert.equal(off.highQuality, 0);
    assert.equal(off.kl, null);
    const m = await modes({ x: Float32Array.from(pts), shape: [16, 2], range: "points" }, { target: "8gaussians" });
    assert.equal(m.value, 8);
    assert.equal(m.unit, "modes of 8");
    close(m.details.klToUniform, 0, 1e-6);
  });

  it("all samples on one mode: KL = log K", () => {
    const t = mixtureTarget("25gaussians");
    const r = modeCoverage([0, 0, 0.01, 0, 0, -0.01], t);
    assert.equal(r.modes, 1);
    close(r.kl!, Math.log(25));
  });

  it("refuses what is not a Gaussian mixture or not 2-D points", async () => {
    assert.throws(() => mixtureTarget("moons"), /not a Gaussian mixture/);
    await assert.rejects(modes({ x: new Float32Array(6), shape: [2, 3], range: "points" }, { target: "8gaussians" }), /2-D points/);
  });
});
