// Layers with buffers against PyTorch: BatchNorm (train steps update running statistics, then
// eval) and spectral norm (power iteration over train steps, then eval).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Tensor, mul, sum, valueAndGrad } from "../../src/engine/index.js";
import {
  BatchNorm1d,
  BatchNorm2d,
  Context,
  Conv2d,
  ConvTranspose2d,
  Linear,
  SpectralNorm,
  loadNamedTensors,
  namedTensors,
  type Layer,
} from "../../src/nn/index.js";
import { T, assertClose, fixture } from "./helpers.js";

const cases = fixture("modules.json").cases;
const extra = fixture("nn_extra.json");
const TOL = 1e-10;

const tensors = (o: Record<string, any>) => new Map(Object.entries(o).map(([k, v]) => [k, T(v)]));

/** One forward under ctx plus L = Σ y·g's gradients; returns the model with ctx's buffer updates. */
function step<M extends Layer>(m: M, s: any, train: boolean, label: string): M {
  const x = T(s.input);
  const g = T(s.grad_output);
  const r = valueAndGrad(
    (p: { m: M; x: Tensor }) => {
      const ctx = train ? Context.train() : Context.eval();
      const y = p.m.forward(p.x, ctx);
      return [sum(mul(y, g)), { y, ctx }] as [Tensor, { y: Tensor; ctx: Context }];
    },
    { hasAux: true },
  )({ m, x });
  assertClose(r.aux.y, s.output, TOL, `${label} output`);
  assertClose(r.grad.x, s.grads.input, TOL, `${label} d/dinput`);
  const named = namedTensors(r.grad.m);
  for (const [name, expected] of Object.entries(s.grads)) if (name !== "input") assertClose(named.get(name)!, expected as any, TOL, `${label} d/d${name}`);
  assert.equal(r.aux.ctx.hasUpdates, train, `${label}: buffer updates only in training`);
  // the forward ran on valueAndGrad's stand-ins for m's tensors: the updates still find m's buffers
  return r.aux.ctx.applyUpdates(m);
}

describe("BatchNorm matches PyTorch over 3 train steps and eval", () => {
  const runs: [string, any, (c: any) => Layer][] = [
    ["batchnorm1d", cases.batchnorm1d, (c) => new BatchNorm1d(c.config.num_features, { dtype: "float64" })],
    ["batchnorm2d", cases.batchnorm2d, (c) => new BatchNorm2d(c.config.num_features, { dtype: "float64" })],
    ["batchnorm1d momentum=null (cumulative)", extra.batchnorm1d_cma, () => new BatchNorm1d(3, { dtype: "float64", momentum: null })],
  ];
  for (const [label, c, make] of runs) {
    it(label, () => {
      let m = loadNamedTensors(make(c), tensors(c.params));
      c.train_steps.forEach((s: any, k: number) => {
        m = step(m, s, true, `${label} step ${k}`);
        const named = namedTensors(m);
        assertClose(named.get("running_mean")!, s.running_mean, TOL, `${label} step ${k} running_mean`);
        assertClose(named.get("running_var")!, s.running_var, TOL, `${label} step ${k} running_var`);
        assert.equal(named.get("num_batches_tracked")!.item(), s.num_batches_tracked);
      });
      const before = namedTensors(m).get("running_mean")!;
      m = step(m, c.eval, false, `${label} eval`);
      assert.equal(namedTensors(m).get("running_mean"), before, "eval leaves the running statistics alone");
    });
  }

  it("two forwards in one step compose their updates (as PyTorch's two calls would)", () => {
    const c = cases.batchnorm1d;
    const m0 = loadNamedTensors(new BatchNorm1d(4, { dtype: "float64" }), tensors(c.params));
    const ctx = Context.train();
    m0.forward(T(c.train_steps[0].input), ctx);
    m0.forward(T(c.train_steps[1].input), ctx);
    const m = ctx.applyUpdates(m0);
    assertClose(m.runningVar!, c.train_steps[1].running_var, TOL, "running_var after two forwards");
    assert.equal(m.numBatchesTracked!.item(), 2);
  });

  it("without running statistics it always uses the batch, and has no buffers", () => {
    const m = new BatchNorm1d(4, { dtype: "float64", trackRunningStats: false, affine: false });
    assert.deepEqual([...namedTensors(m).keys()], []);
    const x = T(cases.batchnorm1d.train_steps[0].input);
    assertClose(m.forward(x, Context.eval()), m.forward(x, Context.train()), 0, "eval = train");
  });

  it("rejects bad inputs with the layer's name", () => {
    const m = new BatchNorm2d(3);
    assert.throws(() => m.forward(new Tensor([2, 3, 4], "float32", new Float32Array(24)), Context.train()), /BatchNorm2d: expected input of rank 4/);
    assert.throws(() => m.forward(new Tensor([2, 5, 1, 1], "float32", new Float32Array(10)), Context.train()), /expected 3 channels/);
    assert.throws(() => new BatchNorm1d(3).forward(new Tensor([1, 3], "float32", new Float32Array(3)), Context.train()), /more than 1 value per channel/);
  });
});

describe("spectral norm matches torch.nn.utils.spectral_norm", () => {
  const runs: [string, any, (c: any) => SpectralNorm][] = [
    ["Linear", cases.spectral_norm_linear, () => new SpectralNorm(new Linear(6, 4, { rng: 0, dtype: "float64" }), { rng: 1 })],
    ["Conv2d", extra.spectral_norm_conv2d, () => new SpectralNorm(new Conv2d(2, 3, 3, { rng: 0, dtype: "float64", padding: 1 }), { rng: 1 })],
    ["ConvTranspose2d (dim 1)", extra.spectral_norm_conv_transpose2d, () => new SpectralNorm(new ConvTranspose2d(3, 2, 4, { rng: 0, dtype: "float64", stride: 2, padding: 1 }), { rng: 1 })],
  ];
  for (const [label, c, make] of runs) {
    it(label, () => {
      let m = loadNamedTensors(make(c), tensors(c.initial));
      c.train_steps.forEach((s: any, k: number) => {
        m = step(m, s, true, `${label} step ${k}`);
        assertClose(m.weightU, s.weight_u, TOL, `${label} step ${k} weight_u`);
        assertClose(m.weightV, s.weight_v, TOL, `${label} step ${k} weight_v`);
        assertClose(m.normalizedWeight(Context.eval()).weight, s.weight, TOL, `${label} step ${k} weight`);
        if (s.sigma !== undefined) assertClose([m.normalizedWeight(Context.eval()).sigma.item()], [s.sigma], TOL, `${label} sigma`);
      });
      const u = m.weightU;
      m = step(m, c.eval, false, `${label} eval`);
      assert.equal(m.weightU, u);
    });
  }

  it("uses PyTorch's state-dict names and dim", () => {
    const sn = new SpectralNorm(new ConvTranspose2d(3, 2, 4, { rng: 0 }), { rng: 1 });
    assert.equal(sn.dim, 1);
    const golden = extra.spectral_norm_conv_transpose2d.initial;
    assert.deepEqual(
      [...namedTensors(sn).entries()].map(([k, v]) => [k, [...v.shape]]),
      Object.entries(golden).map(([k, v]: [string, any]) => [k, v.shape]),
    );
  });
});
