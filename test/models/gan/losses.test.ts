// Each adversarial loss's value and gradient on fixed tiny networks against PyTorch (float64,
// test/fixtures/gan/losses.json from scripts/goldens/gan_losses.py): D's loss w.r.t. D's
// parameters with G's samples detached, G's loss w.r.t. G's parameters; WGAN-GP's penalty by double
// backprop, also on a conv critic with image-shaped inputs; instance noise; the proximal term.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as E from "../../../src/engine/index.js";
import { Conv2d, Flatten, LeakyReLU, Linear, Sequential, loadNamedTensors, toDtype } from "../../../src/nn/index.js";
import { GAN_LOSSES, discriminatorLoss, discriminatorStep, generatorLoss, generatorStep, gradientPenalty, instanceNoiseStd, type GanConfig, type GanPlayers } from "../../../src/models/gan/index.js";
import { assertClose } from "../../nn/helpers.js";
import { T, byName, golden, goldenNets, noiseContext, tinyConfig, type Golden } from "./helpers.js";

const x = T(golden.x);
const z = T(golden.z);
const eps = T(golden.eps);
const step = E.scalar(0, "float64");

function checkGrads(actual: Record<string, E.Tensor>, expected: Record<string, Golden>, label: string): void {
  assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort(), `${label}: parameter names`);
  for (const [k, g] of Object.entries(expected)) assertClose(actual[k], g, 1e-10, `${label} ${k}`);
}

function dLossAndGrad(c: GanConfig, p: GanPlayers, normal: E.Tensor[], uniform: E.Tensor[], at = step) {
  const vg = E.valueAndGrad((d: GanPlayers["discriminator"]) => discriminatorStep(c, { ...p, discriminator: d }, { x }, noiseContext(normal, uniform), at).loss);
  return vg(p.discriminator);
}

function gLossAndGrad(c: GanConfig, p: GanPlayers, normal: E.Tensor[], at = step) {
  const vg = E.valueAndGrad((g: GanPlayers["generator"]) => generatorStep(c, { ...p, generator: g }, { x }, noiseContext(normal), at).loss);
  return vg(p.generator);
}

describe("GAN losses against PyTorch", () => {
  for (const kind of GAN_LOSSES) {
    it(`${kind}: D's and G's loss values and parameter gradients`, () => {
      const c = tinyConfig({ loss: kind });
      const p = goldenNets(c);
      const want = golden.losses[kind];
      const d = dLossAndGrad(c, p, [z], kind === "wgan-gp" ? [eps] : []);
      assertClose([d.value.item()], [want.d_loss], 1e-12, `${kind} D loss`);
      checkGrads(byName(d.grad), want.d_grads, `${kind} D grad`);
      const g = gLossAndGrad(c, p, [z]);
      assertClose([g.value.item()], [want.g_loss], 1e-12, `${kind} G loss`);
      checkGrads(byName(g.grad.net), want.g_grads, `${kind} G grad`);
    });
  }

  it("the loss formulas on hand-computed logits", () => {
    const r = E.tensor([0, 2], [2], "float64");
    const f = E.tensor([-1, 1], [2], "float64");
    const sp = (v: number) => Math.log1p(Math.exp(v));
    assertClose([discriminatorLoss("ns", r, f).item()], [(sp(0) + sp(-2)) / 2 + (sp(-1) + sp(1)) / 2], 1e-14, "ns D");
    assertClose([generatorLoss("ns", f).item()], [(sp(1) + sp(-1)) / 2], 1e-14, "ns G: −log D(G(z))");
    assertClose([generatorLoss("minimax", f).item()], [(Math.log(1 - 1 / (1 + Math.exp(1))) + Math.log(1 - 1 / (1 + Math.exp(-1)))) / 2], 1e-14, "minimax G: log(1 − D(G(z)))");
    assertClose([discriminatorLoss("lsgan", r, f).item()], [0.5 * ((1 + 1) / 2) + 0.5 * ((1 + 1) / 2)], 1e-14, "lsgan D");
    assertClose([generatorLoss("lsgan", f).item()], [0.5 * ((4 + 0) / 2)], 1e-14, "lsgan G");
    assertClose([discriminatorLoss("wgan", r, f).item()], [0 - 1], 1e-14, "wgan D");
    assertClose([generatorLoss("wgan-gp", f).item()], [0], 1e-14, "wgan G");
  });

  it("wgan-gp's penalty matches PyTorch's, and its second-order parameter gradient matches finite differences", () => {
    const c = tinyConfig({ loss: "wgan-gp" });
    const p = goldenNets(c);
    const fake = p.generator.forward(z, noiseContext([]));
    const gp = (d: GanPlayers["discriminator"]) => gradientPenalty((v) => d.forward(v, noiseContext([])), x, fake, eps).penalty;
    const r = E.valueAndGrad(gp)(p.discriminator);
    assertClose([r.value.item()], [golden.losses["wgan-gp"].gp], 1e-12, "penalty");
    // ⟨∇θ penalty, v⟩ against (penalty(θ + hv) − penalty(θ − hv)) / 2h along a random direction
    const rng = new E.Rng(3);
    const dirs = E.mapTree(p.discriminator, (t) => new E.Tensor(t.shape, "float64", rng.fillNormal(new Float64Array(t.size))));
    const shifted = (h: number) => {
      const flat = E.flattenTree(p.discriminator);
      const dv = E.flattenTree(dirs).leaves;
      return flat.rebuild(flat.leaves.map((t, i) => E.add(t, E.mul(dv[i], h))));
    };
    const h = 1e-6;
    const fd = (gp(shifted(h)).item() - gp(shifted(-h)).item()) / (2 * h);
    const gl = E.flattenTree(r.grad).leaves;
    const dv = E.flattenTree(dirs).leaves;
    const analytic = gl.reduce((acc, g, i) => acc + E.sum(E.mul(g, dv[i])).item(), 0);
    assert.ok(Math.abs(analytic) > 1e-3, "the penalty depends on the critic's parameters");
    assertClose([analytic], [fd], 1e-6, "directional derivative");
  });

  it("the penalty flattens the input gradient over every non-batch dimension (conv critic, [B, 1, 4, 4])", () => {
    const g = golden.conv_gp;
    const rng = new E.Rng(0);
    const net = new Sequential(new Conv2d(1, 2, 3, { rng, padding: 1 }), new LeakyReLU(0.2), new Flatten(), new Linear(32, 1, { rng }));
    const critic0 = loadNamedTensors(toDtype(net, "float64"), new Map(Object.entries(g.C as Record<string, Golden>).map(([k, v]) => [k, T(v)])));
    const vg = E.valueAndGrad((cr: Sequential) => gradientPenalty((v) => cr.forward(v, noiseContext([])), T(g.real), T(g.fake), T(g.eps)).penalty);
    const r = vg(critic0);
    assertClose([r.value.item()], [g.gp], 1e-12, "conv penalty");
    checkGrads(byName(r.grad), g.grads, "conv penalty grad");
  });

  it("instance noise: σ anneals linearly to 0, and D and G see noisy inputs", () => {
    const s = (k: number) => instanceNoiseStd(0.5, 10, E.scalar(k, "float64")).item();
    assertClose([s(0), s(4), s(10), s(15)], [0.5, 0.3, 0, 0], 1e-14, "σ(step)");
    const n = golden.instance_noise;
    const c = tinyConfig({ loss: "ns", instanceNoise: n.sigma0, instanceNoiseSteps: n.steps });
    const p = goldenNets(c);
    const at = E.scalar(n.step, "float64");
    const d = dLossAndGrad(c, p, [z, T(n.n_real), T(n.n_fake)], [], at);
    assertClose([d.value.item()], [n.d_loss], 1e-12, "noisy D loss");
    checkGrads(byName(d.grad), n.d_grads, "noisy D grad");
    const g = gLossAndGrad(c, p, [z, T(n.n_gen)], at);
    assertClose([g.value.item()], [n.g_loss], 1e-12, "noisy G loss");
    checkGrads(byName(g.grad.net), n.g_grads, "noisy G grad");
  });
});
