// Default initializations have PyTorch's distributions (init_stats.json), and the init
// schemes their documented bounds and spreads.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Rng, type Tensor } from "../../src/engine/index.js";
import { BatchNorm2d, Conv2d, ConvTranspose2d, Embedding, LayerNorm, Linear, init } from "../../src/nn/index.js";
import { fixture } from "./helpers.js";

const golden = fixture("init_stats.json").modules;

function stats(t: Tensor) {
  const v = Float64Array.from(t.values());
  const n = v.length;
  const mean = v.reduce((s, x) => s + x, 0) / n;
  const std = Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / n);
  const sorted = Float64Array.from(v).sort();
  const q = (p: number) => sorted[Math.min(n - 1, Math.floor(p * n))];
  const maxAbs = Math.max(Math.abs(sorted[0]), Math.abs(sorted[n - 1]));
  return { n, mean, std, maxAbs, q };
}

/** A sample from U(−b, b): bounded by b, reaching near it, with std b/√3 and uniform quantiles (4 standard errors). */
function assertUniform(t: Tensor, g: any, label: string): void {
  const s = stats(t);
  const b = g.expected_bound;
  assert.equal(s.n, g.numel, `${label}: numel`);
  assert.ok(s.maxAbs <= b, `${label}: max |w| ${s.maxAbs} exceeds the bound ${b}`);
  assert.ok(s.maxAbs > b * (1 - 10 / s.n), `${label}: max |w| ${s.maxAbs} stays well inside the bound ${b}`);
  assert.ok(Math.abs(s.std - g.expected_std) <= 4 * g.expected_std * Math.sqrt(0.8 / (4 * s.n)), `${label}: std ${s.std} vs ${g.expected_std}`);
  assert.ok(Math.abs(s.mean) <= 4 * g.expected_std / Math.sqrt(s.n), `${label}: mean ${s.mean}`);
  for (const [key, p] of [["p01", 0.01], ["p25", 0.25], ["p50", 0.5], ["p75", 0.75], ["p99", 0.99]] as const) {
    const se = 2 * b * Math.sqrt((p * (1 - p)) / s.n);
    assert.ok(Math.abs(s.q(p) - g.expected_quantiles[key]) <= 4 * se + 1e-12, `${label}: ${key} ${s.q(p)} vs ${g.expected_quantiles[key]}`);
  }
}

describe("default initialization matches PyTorch's", () => {
  const rng = new Rng(0);
  const layers: [string, { weight: Tensor; bias: Tensor | null }][] = [
    ["linear_784_512", new Linear(784, 512, { rng })],
    ["conv2d_64_128_k4", new Conv2d(64, 128, 4, { rng })],
    ["conv_transpose2d_128_64_k4", new ConvTranspose2d(128, 64, 4, { rng })],
  ];
  for (const [key, m] of layers) {
    it(golden[key].module, () => {
      const g = golden[key];
      assert.deepEqual([...m.weight.shape], g.weight_shape);
      assert.deepEqual(init.fans(m.weight.shape), { fanIn: g.fan_in, fanOut: g.fan_out });
      assertUniform(m.weight, g.weight, `${key} weight`);
      assertUniform(m.bias!, g.bias, `${key} bias`);
      assert.equal(m.weight.dtype, "float32");
    });
  }

  it("Embedding is N(0, 1); norms start at weight 1, bias 0", () => {
    const s = stats(new Embedding(1000, 64, { rng: 1 }).weight);
    assert.ok(Math.abs(s.mean) < 4 / Math.sqrt(s.n) && Math.abs(s.std - 1) < 4 * Math.sqrt(0.5 / s.n), `mean ${s.mean} std ${s.std}`);
    for (const m of [new BatchNorm2d(3), new LayerNorm(3)]) {
      assert.deepEqual(m.weight!.toArray(), [1, 1, 1]);
      assert.deepEqual(m.bias!.toArray(), [0, 0, 0]);
    }
    const bn = new BatchNorm2d(2);
    assert.deepEqual([bn.runningMean!.toArray(), bn.runningVar!.toArray(), bn.numBatchesTracked!.item()], [[0, 0], [1, 1], 0]);
  });

  it("is reproducible from the seed, and a bias is optional", () => {
    assert.deepEqual(new Linear(4, 3, { rng: 5 }).weight.toArray(), new Linear(4, 3, { rng: new Rng(5) }).weight.toArray());
    assert.notDeepEqual(new Linear(4, 3, { rng: 5 }).weight.toArray(), new Linear(4, 3, { rng: 6 }).weight.toArray());
    assert.equal(new Linear(4, 3, { rng: 5, bias: false }).bias, null);
  });
});

describe("init schemes", () => {
  const rng = new Rng(11);
  const shape = [256, 128, 3, 3]; // fan_in 1152, fan_out 2304

  it("xavierUniform / xavierNormal", () => {
    const b = Math.sqrt(6 / (1152 + 2304));
    const u = stats(init.xavierUniform()(rng, shape, "float32"));
    assert.ok(u.maxAbs <= b && u.maxAbs > 0.999 * b);
    assert.ok(Math.abs(u.std - b / Math.sqrt(3)) < 0.01 * b);
    const n = stats(init.xavierNormal(2)(rng, shape, "float64"));
    assert.ok(Math.abs(n.std - 2 * Math.sqrt(2 / (1152 + 2304))) < 0.01 * n.std);
  });

  it("kaimingNormal / kaimingUniform with PyTorch's gains", () => {
    const relu = stats(init.kaimingNormal({ nonlinearity: "relu" })(rng, shape, "float32"));
    assert.ok(Math.abs(relu.std - Math.SQRT2 / Math.sqrt(1152)) < 0.01 * relu.std);
    const out = stats(init.kaimingNormal({ mode: "fanOut", a: 0.2 })(rng, shape, "float32"));
    assert.ok(Math.abs(out.std - Math.sqrt(2 / 1.04) / Math.sqrt(2304)) < 0.01 * out.std);
    const u = stats(init.kaimingUniform({ a: Math.sqrt(5) })(rng, shape, "float32"));
    assert.ok(u.maxAbs <= 1 / Math.sqrt(1152) && u.maxAbs > 0.999 / Math.sqrt(1152));
    assert.equal(init.gain("tanh"), 5 / 3);
    assert.equal(init.gain("leaky_relu", 0.2), Math.sqrt(2 / 1.04));
  });

  it("normal(std) and constants; a layer takes them as options", () => {
    const s = stats(init.normal(0.02)(rng, [100000], "float32"));
    assert.ok(Math.abs(s.std - 0.02) < 0.0005 && Math.abs(s.mean) < 0.0005);
    const m = new Linear(3, 2, { rng, weightInit: init.constant(0.5), biasInit: init.zeros });
    assert.deepEqual(m.weight.toArray(), [0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
    assert.deepEqual(m.bias!.toArray(), [0, 0]);
    assert.throws(() => init.fans([3]), /rank ≥ 2/);
  });
});
