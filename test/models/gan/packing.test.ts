// PacGAN packing (config `pack`): D judges packs of m consecutive examples stacked along the first
// data axis; the losses, WGAN-GP's per-pack gradient norm (second order, against finite
// differences), the energy query, and the trainer's refusal of batches that do not divide into packs.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import * as E from "../../../src/engine/index.js";
import { Context, toDtype, type Sequential } from "../../../src/nn/index.js";
import { getQuery } from "../../../src/models/query.js";
import {
  DCGAN_DEFAULTS,
  asGenerativeModel,
  buildDiscriminatorNet,
  discriminatorStep,
  ganModel,
  gradientPenalty,
  judge,
  resolveGanConfig,
  type GanConfig,
} from "../../../src/models/gan/index.js";
import { train, TrainSetupError } from "../../../src/train/index.js";
import { assertClose } from "../../nn/helpers.js";
import { scratchDir } from "../../train/helpers/scratch.js";
import { noiseContext, tinyConfig } from "./helpers.js";

const dir = scratchDir("gan-packing");
const ctx = () => Context.eval();
const f64 = (rng: E.Rng, shape: number[]) => new E.Tensor(shape, "float64", rng.fillNormal(new Float64Array(shape.reduce((a, b) => a * b, 1))));
const rows = (x: E.Tensor, from: number, to: number) => E.sliceAxis(x, 0, from, to);

describe("PacGAN packing", () => {
  it("D takes pack × the input width, and judges [x₀ x₁], [x₂ x₃], … as one input each (MLP)", () => {
    const c = tinyConfig({ pack: 2 });
    const d = toDtype(buildDiscriminatorNet(c, new E.Rng(1)), "float64") as Sequential;
    const x = f64(new E.Rng(2), [6, 2]);
    const out = judge(c, d, x, ctx());
    assert.deepEqual([...out.shape], [3, 1]);
    // by hand: each pack's two points laid end to end
    const packs = E.concat([0, 2, 4].map((i) => E.reshape(rows(x, i, i + 2), [1, 4])), 0);
    assertClose(out, d.forward(packs, ctx()), 1e-14, "packed logits");
  });

  it("images are stacked along the channel axis (DCGAN: first conv has pack input channels)", () => {
    const c = resolveGanConfig({ pack: 2, channels: [4, 8] }, DCGAN_DEFAULTS);
    const d = toDtype(buildDiscriminatorNet(c, new E.Rng(1)), "float64") as Sequential;
    const x = f64(new E.Rng(3), [4, 1, 28, 28]);
    const byHand = E.concat(
      [0, 2].map((i) => E.concat([rows(x, i, i + 1), rows(x, i + 1, i + 2)], 1)),
      0,
    );
    assert.deepEqual([...byHand.shape], [2, 2, 28, 28]);
    assertClose(judge(c, d, x, ctx()), d.forward(byHand, ctx()), 1e-13, "packed conv logits");
  });

  it("D's loss averages over packs: ns loss by hand on the packed logits", () => {
    const c = tinyConfig({ pack: 2, loss: "ns" });
    const m = ganModel("gan-toy", { ...c }, new E.Rng(0));
    const players = E.mapTree(m.players, (t) => (t.dtype === "float32" ? E.cast(t, "float64") : t)) as typeof m.players;
    const x = f64(new E.Rng(5), [4, 2]);
    const z = f64(new E.Rng(6), [4, 2]);
    const got = discriminatorStep(m.config, players, { x }, noiseContext([z]), E.scalar(0, "float64")).loss.item();
    const fake = players.generator.forward(z, ctx());
    const lr = judge(m.config, players.discriminator, x, ctx()).values();
    const lf = judge(m.config, players.discriminator, fake, ctx()).values();
    const sp = (v: number) => Math.log1p(Math.exp(v));
    const want = (sp(-lr[0]) + sp(-lr[1])) / 2 + (sp(lf[0]) + sp(lf[1])) / 2;
    assertClose([got], [want], 1e-12, "packed ns D loss");
  });

  it("WGAN-GP with packs: one gradient norm per pack, and the penalty's second-order gradient matches finite differences", () => {
    const c = tinyConfig({ pack: 2, loss: "wgan-gp" });
    const d0 = toDtype(buildDiscriminatorNet(c, new E.Rng(1)), "float64") as Sequential;
    const rng = new E.Rng(7);
    const real = f64(rng, [4, 2]);
    const fake = f64(rng, [4, 2]);
    const eps = new E.Tensor([4, 1], "float64", rng.fillUniform(new Float64Array(4)));
    const penalty = (d: Sequential) => gradientPenalty((v) => judge(c, d, v, ctx()), real, fake, eps, 2);
    // by hand: the input gradient of pack p's output lives on its two rows; norm over those 4 values
    const xh = E.add(E.mul(eps, real), E.mul(E.sub(1, eps), fake));
    const [g] = E.vjp([E.sum(judge(c, d0, xh, ctx()))], [E.scalar(1, "float64")], [xh]);
    const gv = g!.values();
    const norms = [0, 1].map((p) => Math.hypot(...Array.from(gv.slice(p * 4, p * 4 + 4))));
    const gp = penalty(d0);
    assertClose([gp.gradNorm.item(), gp.penalty.item()], [(norms[0] + norms[1]) / 2, ((norms[0] - 1) ** 2 + (norms[1] - 1) ** 2) / 2], 1e-12, "per-pack norms");
    const r = E.valueAndGrad((d: Sequential) => penalty(d).penalty)(d0);
    const dirs = E.mapTree(d0, (t) => f64(rng, [...t.shape]));
    const flat = E.flattenTree(d0);
    const dv = E.flattenTree(dirs).leaves;
    const shifted = (h: number) => flat.rebuild(flat.leaves.map((t, i) => E.add(t, E.mul(dv[i], h)))) as Sequential;
    const h = 1e-6;
    const fd = (penalty(shifted(h)).penalty.item() - penalty(shifted(-h)).penalty.item()) / (2 * h);
    const analytic = E.flattenTree(r.grad).leaves.reduce((acc, gl, i) => acc + E.sum(E.mul(gl, dv[i])).item(), 0);
    assert.ok(Math.abs(analytic) > 1e-4, "the penalty depends on the critic's parameters");
    assertClose([analytic], [fd], 1e-6, "directional derivative");
  });

  it("the energy query judges each example in a pack of copies of itself: one finite energy per example", () => {
    const m = ganModel("gan-toy", { hidden: [8], pack: 3 }, new E.Rng(0));
    const x = E.tensor(new E.Rng(8).fillNormal(new Float32Array(10)), [5, 2]);
    const energy = getQuery(asGenerativeModel(m), "energy").run(m.players as never, { x }, ctx());
    assert.deepEqual([...energy.shape], [5]);
    const copies = E.concat([x, x, x], 1);
    const want = E.neg(E.reshape(m.players.discriminator.forward(copies, ctx()), [5]));
    assertClose(energy, want, 1e-6, "energy of x = −D([x x x])");
  });

  it("pack is checked, and a batch that does not divide into packs is refused before the run directory exists", async () => {
    for (const bad of [0, 1.5, -2]) assert.throws(() => resolveGanConfig({ pack: bad }, DCGAN_DEFAULTS), { message: `gan config: pack must be a positive integer, got ${bad}` });
    for (const bad of [1, 2.5, -4]) assert.throws(() => resolveGanConfig({ minibatchStd: bad }, DCGAN_DEFAULTS), { message: `gan config: minibatchStd must be 0 (off) or a group size ≥ 2, got ${bad}` });
    const judgeOdd = () => judge(tinyConfig({ pack: 2 }), buildDiscriminatorNet(tinyConfig({ pack: 2 }), new E.Rng(0)), E.tensor(new Float32Array(6), [3, 2]), ctx());
    assert.throws(judgeOdd, /packs 2 examples at a time \(config pack = 2\), so batches must be multiples of 2; got a batch of 3/);
    const out = join(dir, "odd-batch");
    const gan = (over: Partial<GanConfig>) => asGenerativeModel(ganModel("gan-toy", { hidden: [8], pack: 2, loss: "ns", ...over }, new E.Rng(0)));
    await assert.rejects(
      train(gan({}), { spec: "toy:8gaussians?n=64" }, { steps: 1, batchSize: 7, out, progress: "none" }),
      (e: unknown) => e instanceof TrainSetupError && /model 'gan-toy' cannot train on batches of 7: .*multiples of 2/.test((e as Error).message),
    );
    assert.ok(!existsSync(out), "no run directory written");
    // shards must divide into packs too: 8 rows in 3 shards is 3 + 3 + 2
    await assert.rejects(
      train(gan({}), { spec: "toy:8gaussians?n=64" }, { steps: 1, batchSize: 8, out, progress: "none", shards: 3 }),
      (e: unknown) => e instanceof TrainSetupError && /shards = 3: a shard of 3 of the batch's 8 examples: .*multiples of 2/.test((e as Error).message),
    );
    assert.ok(!existsSync(out), "no run directory written");
  });
});
