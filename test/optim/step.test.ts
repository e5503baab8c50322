// The compiled training step: float32 in ONNX Runtime agrees with the same step run eagerly in
// float64; BatchNorm's running statistics and the optimizer state update in-graph; the host
// overhead per step is measured.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { Rng, Tensor, mean, mul, nativeBackend, sub, type Backend, type DType } from "../../src/engine/index.js";
import { gradientSlot } from "../../src/optim/host/arena.js";
import { BatchNorm1d, Context, Dropout, Linear, ReLU, Sequential, SpectralNorm, Tanh, combine, namedTensors, toDtype, type Noise } from "../../src/nn/index.js";
import { adam, schedules, sgd, trainStep, withGradClip } from "../../src/optim/index.js";
import { assertClose } from "../nn/helpers.js";

interface Batch {
  x: Tensor;
  y: Tensor;
}

const mse = (p: Sequential, b: Sequential, batch: Batch, ctx: Context): [Tensor, { out: Tensor }] => {
  const out = combine(p, b).forward(batch.x, ctx);
  const d = sub(out, batch.y);
  return [mean(mul(d, d)), { out }];
};

function data(rng: Rng, n: number, i: number, o: number, dtype: DType): Batch {
  const x = rng.fillNormal(new Float64Array(n * i));
  const y = rng.fillNormal(new Float64Array(n * o));
  const t = (a: Float64Array, s: number[]) => new Tensor(s, dtype, dtype === "float64" ? a : Float32Array.from(a));
  return { x: t(x, [n, i]), y: t(y, [n, o]) };
}

const as32 = (noise: Noise): Noise => Object.fromEntries(Object.entries(noise).map(([k, v]) => [k, new Tensor(v!.shape, "float32", Float32Array.from(v!.values()))]));

describe("trainStep", () => {
  // no bias before the batch norm: its gradient is exactly zero, and Adam would amplify rounding noise
  const model = new Sequential(new Linear(6, 16, { rng: 1, bias: false }), new BatchNorm1d(16), new ReLU(), new Dropout(0.25), new Linear(16, 3, { rng: 2 }));
  const step = trainStep({ lossFn: mse, optimizer: withGradClip(adam({ lr: 1e-2 }), 5.0), name: "mlp-bn" });
  after(() => step.dispose());

  it("compiled float32 agrees with eager float64 over 3 steps, buffers and optimizer state included", async () => {
    let s32 = step.init(model);
    let s64 = step.init(toDtype(model, "float64"));
    assert.ok(s32.buffers && s32.buffers.size === 16 + 16 + 1, "running mean, var and the batch count are packed");
    const lr = schedules.linearWarmup({ lr: 1e-2, startFactor: 0.5, totalIters: 2 });
    const rng = new Rng(5);
    for (let k = 0; k < 3; k++) {
      const b64 = data(rng, 8, 6, 3, "float64");
      const b32 = { x: new Tensor(b64.x.shape, "float32", Float32Array.from(b64.x.values())), y: new Tensor(b64.y.shape, "float32", Float32Array.from(b64.y.values())) };
      const need = step.measureNoise(s32, b32);
      assert.deepEqual(need, { uniform: 8 * 16, normal: 0 });
      const n64 = Context.sampleNoise(rng, need, "float64");
      const r32 = await step(s32, b32, lr(k), as32(n64));
      const r64 = step.eager(s64, b64, lr(k), n64);
      assert.equal(r32.loss.dtype, "float32");
      assertClose([r32.loss.item()], [r64.loss.item()], 1e-5, `step ${k} loss`);
      assertClose(r32.aux.out, r64.aux.out, 1e-4, `step ${k} aux`);
      assertClose(r32.state.params, r64.state.params, 1e-4, `step ${k} params`);
      assertClose(r32.state.buffers!, r64.state.buffers!, 1e-4, `step ${k} buffers`);
      assertClose(r32.state.opt.inner.expAvgSq, r64.state.opt.inner.expAvgSq, 1e-4, `step ${k} Adam v`);
      assertClose([r32.state.opt.gradNorm.item()], [r64.state.opt.gradNorm.item()], 1e-4, `step ${k} grad norm`);
      assert.equal(r32.state.opt.inner.step.item(), k + 1);
      s32 = r32.state;
      s64 = r64.state;
    }
    const m = step.model(s32);
    assert.ok(m instanceof Sequential && m.layers[1] instanceof BatchNorm1d);
    const bn = namedTensors(m);
    assert.equal(bn.get("1.num_batches_tracked")!.item(), 3, "the running statistics were updated in-graph");
    assert.notDeepEqual(bn.get("1.running_var")!.toArray(), new Array(16).fill(1));
    assert.equal(step.stats.compiles, 1, "one trace for every step: the learning rate is an input");
  });

  it("feeds a few packed arrays, however many layers", () => {
    const s = step.init(model);
    const b = data(new Rng(0), 8, 6, 3, "float32");
    const noise = Context.sampleNoise(new Rng(1), step.measureNoise(s, b));
    const g = step.compiled.trace(s, b, new Tensor([], "float32", Float32Array.of(0.01)), noise);
    // params, buffers, Adam's step/m/v, the clip's grad norm (unused), x, y, lr, noise
    assert.ok(g.inputs.length <= 10, `${g.inputs.length} graph inputs`);
    assert.throws(() => trainStep({ lossFn: mse, optimizer: sgd() }).model(s as never), /call init\(model\) before stepping/);
    assert.throws(() => step.init(new Sequential(new Linear(6, 3, { rng: 0 }), new Tanh())), /another structure/);
    assert.throws(() => step.eager(s, b, 0.01), /needs at least 128 uniform noise values but 0 were supplied/);
  });

  it("spectral norm's u and v update in-graph; isParam freezes layers", async () => {
    const critic = new Sequential(new SpectralNorm(new Linear(4, 8, { rng: 3 }), { rng: 4 }), new Tanh(), new Linear(8, 1, { rng: 5 }));
    const frozen = (info: { name: string; buffer: boolean }) => !info.buffer && !info.name.startsWith("2.");
    const sn = trainStep({ lossFn: mse, optimizer: sgd({ lr: 0.1, momentum: 0.9 }), isParam: frozen, name: "sn" });
    let s32 = sn.init(critic);
    let s64 = sn.init(toDtype(critic, "float64"));
    assert.equal(s32.params.size, 8 * 4 + 8, "only weight_orig and the first bias train");
    for (let k = 0; k < 2; k++) {
      const b64 = data(new Rng(k), 5, 4, 1, "float64");
      const b32 = { x: new Tensor(b64.x.shape, "float32", Float32Array.from(b64.x.values())), y: new Tensor(b64.y.shape, "float32", Float32Array.from(b64.y.values())) };
      const r32 = await sn(s32, b32, 0.1);
      const r64 = sn.eager(s64, b64, 0.1);
      assertClose(r32.state.params, r64.state.params, 1e-4, `step ${k} params`);
      assertClose(r32.state.buffers!, r64.state.buffers!, 1e-4, `step ${k} u, v and the frozen layer`);
      s32 = r32.state;
      s64 = r64.state;
    }
    const m = sn.model(s32);
    const u0 = (critic.layers[0] as SpectralNorm).weightU.toArray();
    assert.notDeepEqual((m.layers[0] as SpectralNorm).weightU.toArray(), u0, "u moved by the power iteration");
    assert.deepEqual((m.layers[2] as Linear).weight.toArray(), (critic.layers[2] as Linear).weight.toArray(), "the frozen layer did not move");
    await sn.dispose();
  });

  it("host overhead per step: MLP 784-512-512-784, Adam, batch 128", async (t) => {
    const mlp = new Sequential(new Linear(784, 512, { rng: 1 }), new ReLU(), new Linear(512, 512, { rng: 2 }), new ReLU(), new Linear(512, 784, { rng: 3 }));
    const big = trainStep({ lossFn: mse, optimizer: adam({ lr: 1e-3 }), name: "mlp-784" });
    let state = big.init(mlp);
    const batch = data(new Rng(2), 128, 784, 784, "float32");
    const first = await big(state, batch, 1e-3);
    state = first.state;
    const warm = { calls: big.stats.calls, runMs: big.stats.runMs, totalMs: big.stats.totalMs, updateMs: big.updateStats.ms };
    const steps = 8;
    const losses: number[] = [];
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) {
      const r = await big(state, batch, 1e-3);
      losses.push(r.loss.item());
      state = r.state;
    }
    const wall = (performance.now() - t0) / steps;
    const run = (big.stats.runMs - warm.runMs) / steps;
    const inCall = (big.stats.totalMs - warm.totalMs) / steps;
    const update = (big.updateStats.ms - warm.updateMs) / steps;
    t.diagnostic(`compile ${big.stats.compileMs.toFixed(0)} ms; per step: wall ${wall.toFixed(2)} ms, session.run ${run.toFixed(2)} ms, host Adam update ${update.toFixed(2)} ms, host overhead in the call ${(inCall - run).toFixed(3)} ms, outside the call ${(wall - inCall - update).toFixed(3)} ms`);
    assert.ok(losses[steps - 1] < losses[0], "the loss falls");
    assert.equal(big.updateStats.calls, steps + 1, "Adam ran on the host, once per step");
    assert.ok(wall - run - update < 5, `host overhead ${(wall - run - update).toFixed(2)} ms per step besides the optimizer`);
    await big.dispose();
  });

  it("from its second step, the runtime writes the gradient into the host update's arena (no copy), same numbers", async () => {
    // a backend that records what each run was asked to write in place
    const asked: number[] = [];
    const native = nativeBackend({ threads: 1 });
    const spy: Backend = {
      name: "spy",
      nchwcBlockSize: native.nchwcBlockSize,
      async createSession(bytes) {
        const s = await native.createSession(bytes);
        return { run: (feeds, into) => (asked.push(Object.keys(into ?? {}).length), s.run(feeds, into)), release: () => s.release() };
      },
    };
    const net = new Sequential(new Linear(6, 8, { rng: 3 }), new Tanh(), new Linear(8, 3, { rng: 4 }));
    const inPlace = trainStep({ lossFn: mse, optimizer: adam({ lr: 1e-2 }), backend: spy, name: "in-place" });
    const inGraph = trainStep({ lossFn: mse, optimizer: adam({ lr: 1e-2 }), hostUpdate: false, name: "in-graph" });
    let [a, b] = [inPlace.init(net), inGraph.init(net)];
    const rng = new Rng(9);
    for (let k = 0; k < 4; k++) {
      const batch = data(rng, 5, 6, 3, "float32");
      const slot = gradientSlot(a.params.values() as Float32Array);
      assert.equal(slot !== null, k > 0, `step ${k}: parameters in an arena from the second step`);
      const [ra, rb] = [await inPlace(a, batch, 1e-2, {}), await inGraph(b, batch, 1e-2, {})];
      assertClose(ra.state.params, rb.state.params, 1e-5, `step ${k} params`);
      [a, b] = [ra.state, rb.state];
    }
    assert.deepEqual(asked, [0, 4, 4, 4], "four gradient pieces (two weights, two biases) written in place from step 2");
    await Promise.all([inPlace.dispose(), inGraph.dispose()]);
  });
});
