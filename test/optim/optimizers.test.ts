// SGD / Adam / AdamW / RMSprop, gradient clipping, weight clipping and EMA against PyTorch
// (optim.json: three steps on a fixed float64 problem), on parameter trees and through the
// packed training step.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Tensor, valueAndGrad } from "../../src/engine/index.js";
import { clipByGlobalNorm, clipWeights, emaUpdate, globalNorm, sgd, trainStep, withEma, withGradClip, withWeightClip, adam } from "../../src/optim/index.js";
import { assertClose } from "../nn/helpers.js";
import { STATE_NAMES, golden, loss, optimizerFor, problem, type Params } from "./golden.js";

const TOL = 1e-10; // float64 against float64: far inside the 1e-6 asked for

describe("optimizers match torch.optim over 3 steps", () => {
  for (const [key, cfg] of Object.entries<any>(golden.optimizers)) {
    it(`${key} (parameter tree)`, () => {
      const { X, Y, params: p0 } = problem();
      const opt = optimizerFor(cfg.optimizer, cfg.hyper);
      let params: Params = p0;
      let state = opt.init(params);
      cfg.steps.forEach((s: any, k: number) => {
        const { value, grad } = valueAndGrad((p: Params) => loss(p, X, Y))(params);
        assertClose([value.item()], [s.loss], TOL, `${key} step ${k} loss`);
        for (const n of ["W", "b"] as const) assertClose(grad[n], s.grads[n], TOL, `${key} step ${k} grad ${n}`);
        ({ params, state } = opt.update(grad, state, params));
        for (const n of ["W", "b"] as const) {
          assertClose(params[n], s.params_after[n], TOL, `${key} step ${k} ${n}`);
          for (const [torchName, value] of Object.entries<any>(s.state_after[n])) {
            if (torchName === "step") {
              if ("step" in state) assert.equal((state.step as Tensor).item(), value);
              continue;
            }
            assertClose(state[STATE_NAMES[torchName]][n], value, TOL, `${key} step ${k} ${torchName} ${n}`);
          }
        }
      });
      assertClose([loss(params, X, Y).item()], [cfg.loss_final], TOL, `${key} final loss`);
    });

    it(`${key} (packed, through trainStep.eager)`, () => {
      const { X, Y, params: p0 } = problem();
      const step = trainStep({ lossFn: (p: Params, _b: Params, batch: { X: Tensor; Y: Tensor }) => loss(p, batch.X, batch.Y), optimizer: optimizerFor(cfg.optimizer, cfg.hyper) });
      let state = step.init(p0);
      assert.equal(state.buffers, null);
      cfg.steps.forEach((s: any, k: number) => {
        const r = step.eager(state, { X, Y }, cfg.hyper.lr);
        assertClose([r.loss.item()], [s.loss], TOL, `${key} step ${k} loss`);
        state = r.state;
        const m = step.model(state);
        for (const n of ["W", "b"] as const) assertClose(m[n], s.params_after[n], TOL, `${key} packed step ${k} ${n}`);
      });
    });
  }

  it("the learning rate can be a tensor input or the default", () => {
    const { X, Y, params } = problem();
    const g = valueAndGrad((p: Params) => loss(p, X, Y))(params).grad;
    const opt = sgd({ lr: 0.1 });
    const a = opt.update(g, opt.init(params), params).params;
    const b = opt.update(g, opt.init(params), params, new Tensor([], "float32", Float32Array.of(0.1))).params;
    assertClose(a.W, golden.optimizers.sgd.steps[0].params_after.W, TOL, "default lr");
    assertClose(b.W, a.W, 1e-8, "tensor lr (float32 0.1)");
    assert.throws(() => sgd({ nesterov: true }), /Nesterov momentum needs momentum > 0/);
    assert.throws(() => opt.update({ W: g.W } as never, opt.init(params), params), /does not have the parameters' structure/);
  });
});

describe("clipping and EMA", () => {
  const c = golden.clip_grad_norm_sgd;

  it("clipByGlobalNorm matches clip_grad_norm_, and withGradClip(sgd) its 3 steps", () => {
    const { X, Y, params: p0 } = problem();
    const opt = withGradClip(sgd(c.hyper), c.max_norm);
    let params: Params = p0;
    let state = opt.init(params);
    c.steps.forEach((s: any, k: number) => {
      const g = valueAndGrad((p: Params) => loss(p, X, Y))(params).grad;
      for (const n of ["W", "b"] as const) assertClose(g[n], s.grads_raw[n], TOL, `raw grad ${n}`);
      const clipped = clipByGlobalNorm(g, c.max_norm);
      assertClose([clipped.norm.item()], [s.total_norm], TOL, `step ${k} total norm`);
      for (const n of ["W", "b"] as const) assertClose(clipped.grads[n], s.grads[n], TOL, `step ${k} clipped grad ${n}`);
      ({ params, state } = opt.update(g, state, params));
      assertClose([state.gradNorm.item()], [s.total_norm], TOL, "gradNorm in the state");
      for (const n of ["W", "b"] as const) assertClose(params[n], s.params_after[n], TOL, `step ${k} ${n}`);
    });
    assertClose([globalNorm({ a: new Tensor([2], "float64", Float64Array.of(3, 4)) }).item()], [5], 0, "norm");
    const small = clipByGlobalNorm({ a: new Tensor([2], "float64", Float64Array.of(0.3, 0.4)) }, 1);
    assertClose(small.grads.a, [0.3, 0.4], 0, "below maxNorm: unchanged");
  });

  it("weight clipping clamps after the update; EMA averages the new parameters", () => {
    const p = { w: new Tensor([4], "float64", Float64Array.of(-0.2, -0.005, 0.004, 0.3)) };
    assert.deepEqual(clipWeights(p, 0.01).w.toArray(), [-0.01, -0.005, 0.004, 0.01]);
    const g = { w: new Tensor([4], "float64", Float64Array.of(1, 1, -1, 0)) };
    const opt = withWeightClip(sgd({ lr: 0.01 }), 0.01);
    const r = opt.update(g, opt.init(p), p);
    assertClose(r.params.w, [-0.01, -0.01, 0.01, 0.01], 1e-15, "clipped after the step");

    const e = withEma(adam({ lr: 0.1 }), 0.9);
    const s0 = e.init(p);
    assert.notEqual(s0.ema.w.values(), p.w.values(), "the EMA starts from a copy");
    const r1 = e.update(g, s0, p);
    const expected = p.w.toArray().map((v, i) => 0.9 * v + 0.1 * r1.params.w.toArray()[i]);
    assertClose(r1.state.ema.w, expected, 1e-15, "ema");
    assertClose(emaUpdate(p, r1.params, 0.9).w, expected, 1e-15, "emaUpdate");
    assert.throws(() => withEma(sgd(), 1), /decay must be in \[0, 1\)/);
  });

  it("two players keep separate optimizer states (a GAN step)", () => {
    const { X, Y, params } = problem();
    const opt = adam({ lr: 1e-3 });
    const g = valueAndGrad((p: Params) => loss(p, X, Y))(params).grad;
    const sa = opt.init({ W: params.W }), sb = opt.init({ b: params.b });
    const ra = opt.update({ W: g.W }, sa, { W: params.W });
    const rb = opt.update({ b: g.b }, sb, { b: params.b });
    const both = opt.update(g, opt.init(params), params);
    assertClose(ra.params.W, both.params.W, 0, "player A");
    assertClose(rb.params.b, both.params.b, 0, "player B");
  });
});
