// Learning-rate schedules against torch.optim.lr_scheduler (optim.json, nn_extra.json).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { schedules } from "../../src/optim/index.js";
import { assertClose, fixture } from "../nn/helpers.js";

const s = fixture("optim.json").schedulers;
const extra = fixture("nn_extra.json").schedulers;
const TOL = 1e-13;
const run = (f: schedules.Schedule, n: number) => Array.from({ length: n }, (_, i) => f(i));

describe("schedules match PyTorch's schedulers", () => {
  it("CosineAnnealingLR", () => {
    const c = s.cosine_annealing;
    assertClose(run(schedules.cosine({ lr: s.base_lr, tMax: c.T_max, etaMin: c.eta_min }), c.lr.length), c.lr, TOL, "cosine");
  });
  it("StepLR", () => {
    const c = s.step_lr;
    assertClose(run(schedules.stepDecay({ lr: s.base_lr, stepSize: c.step_size, gamma: c.gamma }), c.lr.length), c.lr, TOL, "step");
  });
  it("LinearLR warm-up", () => {
    const c = s.linear_warmup;
    assertClose(run(schedules.linearWarmup({ lr: s.base_lr, startFactor: c.start_factor, endFactor: c.end_factor, totalIters: c.total_iters }), c.lr.length), c.lr, TOL, "linear");
  });
  it("ExponentialLR", () => {
    const c = extra.exponential;
    assertClose(run(schedules.exponential({ lr: extra.base_lr, gamma: c.gamma }), c.lr.length), c.lr, TOL, "exponential");
  });
  it("warm-up then cosine (SequentialLR of LinearLR and CosineAnnealingLR)", () => {
    const c = extra.warmup_cosine;
    const composed = schedules.sequence(
      [schedules.linearWarmup({ lr: extra.base_lr, startFactor: c.start_factor, totalIters: c.total_iters }), schedules.cosine({ lr: extra.base_lr, tMax: c.T_max })],
      [c.milestone],
    );
    assertClose(run(composed, c.lr.length), c.lr, TOL, "sequence");
    const wc = schedules.warmupCosine({ lr: extra.base_lr, warmup: c.milestone, total: c.milestone + c.T_max, startFactor: c.start_factor });
    assertClose(run(wc, c.lr.length), c.lr, TOL, "warmupCosine");
  });
  it("constant, and bad compositions are refused", () => {
    assert.deepEqual(run(schedules.constant(0.5), 3), [0.5, 0.5, 0.5]);
    assert.throws(() => schedules.sequence([schedules.constant(1)], [3]), /1 schedules need 0 milestones/);
    assert.throws(() => schedules.warmupCosine({ lr: 1, warmup: 5, total: 5 }), /warmup < total/);
  });
});
