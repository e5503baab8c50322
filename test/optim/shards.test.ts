// trainStep with shards: the batch split along its first axis, each shard in a worker session, the
// results averaged with weights n_shard / n. In float64 (eager) the sharded step equals the whole
// batch's step to rounding, noise included (each shard takes the next rows of the batch's noise);
// compiled in float32 across workers it agrees to float tolerance; what shards cannot do is refused.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { Rng, Tensor, mean, mul, sub } from "../../src/engine/index.js";
import { BatchNorm1d, Context, Dropout, Linear, ReLU, Sequential, combine, toDtype } from "../../src/nn/index.js";
import { adam, sgd, trainStep } from "../../src/optim/index.js";
import { shardSizes, splitNoise } from "../../src/optim/shards.js";
import { assertClose } from "../nn/helpers.js";

interface Batch {
  x: Tensor;
  y: Tensor;
}

const mse = (p: Sequential, b: Sequential, batch: Batch, ctx: Context): [Tensor, { mse: Tensor }] => {
  const d = sub(combine(p, b).forward(batch.x, ctx), batch.y);
  const loss = mean(mul(d, d));
  return [loss, { mse: loss }];
};

function batchOf(n: number, dtype: "float32" | "float64"): Batch {
  const rng = new Rng(4);
  const arr = (k: number) => (dtype === "float64" ? rng.fillNormal(new Float64Array(k)) : rng.fillNormal(new Float32Array(k)));
  return { x: new Tensor([n, 6], dtype, arr(n * 6)), y: new Tensor([n, 3], dtype, arr(n * 3)) };
}

const model = () => new Sequential(new Linear(6, 16, { rng: 1 }), new ReLU(), new Dropout(0.25), new Linear(16, 3, { rng: 2 }));

describe("trainStep shards", () => {
  const steps: { dispose(): Promise<void> }[] = [];
  after(() => Promise.all(steps.map((s) => s.dispose())));
  const make = (shards: number, optimizer = adam({ lr: 1e-2 })) => {
    const s = trainStep({ lossFn: mse, optimizer, shards, name: `mlp-${shards}` });
    steps.push(s);
    return s;
  };

  it("splits a batch as evenly as possible and deals the noise out in order", () => {
    assert.deepEqual(shardSizes(7, 3), [3, 2, 2]);
    assert.deepEqual(shardSizes(64, 2), [32, 32]);
    assert.throws(() => shardSizes(1, 2), /a batch of 1 cannot be split into 2 shards/);
    const u = new Tensor([10], "float64", Float64Array.from({ length: 10 }, (_, i) => i));
    const parts = splitNoise({ uniform: u }, [{ uniform: 6, normal: 0 }, { uniform: 4, normal: 0 }], "t");
    assert.deepEqual(Array.from(parts[1].uniform!.values()), [6, 7, 8, 9]);
    assert.throws(() => splitNoise({ uniform: u }, [{ uniform: 6, normal: 0 }, { uniform: 6, normal: 0 }], "t"), /need 12 uniform noise values together but 10 were supplied/);
  });

  for (const shards of [2, 3]) {
    it(`float64: ${shards} shards give the whole batch's loss, aux and update (batch 7, dropout noise)`, () => {
      const whole = make(1);
      const split = make(shards);
      const m = toDtype(model(), "float64");
      let a = whole.init(m);
      let b = split.init(m);
      const batch = batchOf(7, "float64");
      for (let k = 0; k < 3; k++) {
        const need = whole.measureNoise(a, batch);
        const noise = Context.sampleNoise(new Rng(10 + k), need, "float64");
        const ra = whole.eager(a, batch, 1e-2, noise);
        const rb = split.eager(b, batch, 1e-2, noise);
        assertClose(rb.loss, ra.loss.values(), 1e-12, `step ${k} loss`);
        assertClose(rb.aux.mse, ra.aux.mse.values(), 1e-12, `step ${k} aux`);
        assertClose(rb.state.params, ra.state.params.values(), 1e-12, `step ${k} params`);
        a = ra.state;
        b = rb.state;
      }
      // the check can fail: one shard alone is not the whole batch
      const half = whole.eager(whole.init(m), { x: new Tensor([4, 6], "float64", batch.x.values().slice(0, 24)), y: new Tensor([4, 3], "float64", batch.y.values().slice(0, 12)) }, 1e-2, Context.sampleNoise(new Rng(1), { uniform: 64 }, "float64"));
      assert.ok(Math.abs(half.loss.item() - whole.eager(whole.init(m), batch, 1e-2, Context.sampleNoise(new Rng(1), { uniform: 112 }, "float64")).loss.item()) > 1e-6);
    });
  }

  it("float32 in two worker sessions agrees with one session over 3 steps", async () => {
    const whole = make(1);
    const split = make(2);
    let a = whole.init(model());
    let b = split.init(model());
    const batch = batchOf(32, "float32");
    for (let k = 0; k < 3; k++) {
      const noise = Context.sampleNoise(new Rng(20 + k), whole.measureNoise(a, batch));
      const ra = await whole(a, batch, 1e-2, noise);
      const rb = await split(b, batch, 1e-2, noise);
      assertClose(rb.loss, ra.loss.values(), 1e-5, `step ${k} loss`);
      assertClose(rb.state.params, ra.state.params.values(), 1e-5, `step ${k} params`);
      a = ra.state;
      b = rb.state;
    }
    // the sharded step's stats: one call a step, session time the longest shard's (not their sum)
    const shardRuns = split.compiled.stats.runMs;
    assert.equal(split.stats.calls, 3);
    assert.ok(split.stats.runMs > 0 && split.stats.runMs <= split.stats.totalMs, `runMs ${split.stats.runMs}, totalMs ${split.stats.totalMs}`);
    assert.ok(split.stats.compiles >= 2, "both shards compiled");
    assert.ok(shardRuns <= split.stats.runMs + 1e-9, "shard 0 alone cannot take longer than the longest shard");
  });

  it("refuses buffer updates, an in-graph update, and a batch smaller than the shards", async () => {
    const bn = make(2);
    const withBn = new Sequential(new Linear(6, 4, { rng: 1 }), new BatchNorm1d(4), new Linear(4, 3, { rng: 2 }));
    await assert.rejects(bn(bn.init(withBn), batchOf(8, "float32"), 1e-2), /updates buffers .*train it without shards/);
    assert.throws(() => trainStep({ lossFn: mse, optimizer: sgd({ lr: 0.1 }), shards: 2, hostUpdate: false }), /need an optimizer with a host update/);
    const s = make(2);
    await assert.rejects(s(s.init(model()), batchOf(1, "float32"), 1e-2, Context.sampleNoise(new Rng(0), { uniform: 16 })), /a batch of 1 cannot be split into 2 shards/);
  });
});
