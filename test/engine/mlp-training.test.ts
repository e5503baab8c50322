// End to end: an MLP regression trained by a compiled step (params + momentum packed into flat
// buffers, one session run per step). The loss must fall ≥ 10× and repeat exactly per seed.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as E from "../../src/engine/index.js";

type Params = { layers: { w: E.Tensor; b: E.Tensor }[] };

function initParams(rng: E.Rng, sizes: number[]): Params {
  const layers = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    const bound = 1 / Math.sqrt(sizes[i]);
    layers.push({
      w: E.tensor(rng.fillUniform(new Float32Array(sizes[i] * sizes[i + 1]), -bound, bound), [sizes[i], sizes[i + 1]]),
      b: E.tensor(rng.fillUniform(new Float32Array(sizes[i + 1]), -bound, bound), [sizes[i + 1]]),
    });
  }
  return { layers };
}

function mlp(p: Params, x: E.Tensor): E.Tensor {
  let h = x;
  p.layers.forEach((l, i) => {
    h = E.add(E.matmul(h, l.w), l.b);
    if (i + 1 < p.layers.length) h = E.tanh(h);
  });
  return h;
}

function makeData(rng: E.Rng, n: number) {
  const x = rng.fillUniform(new Float32Array(n * 3), -1, 1);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) y[i] = Math.sin(2 * x[3 * i]) + x[3 * i + 1] * x[3 * i + 2];
  return { x: E.tensor(x, [n, 3]), y: E.tensor(y, [n, 1]) };
}

async function train(seed: number, steps: number): Promise<number[]> {
  const rng = new E.Rng(seed);
  const params = initParams(rng, [3, 32, 32, 1]);
  const { flat, spec } = E.packTree(params);
  const data = makeData(rng, 256);
  const step = E.compile((flatParams: E.Tensor, velocity: E.Tensor, x: E.Tensor, y: E.Tensor) => {
    const p = E.unpackTree(flatParams, spec) as Params;
    const { value, grad } = E.valueAndGrad((q: Params) => E.mean(E.square(E.sub(mlp(q, x), y))))(p);
    const g = E.packInGraph(grad, spec);
    const v = E.add(E.mul(velocity, 0.9), g); // heavy-ball momentum
    return { loss: value, params: E.sub(flatParams, E.mul(v, 0.05)), velocity: v };
  });
  let state = { params: flat, velocity: E.zeros([spec.total]) };
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const out = await step(state.params, state.velocity, data.x, data.y);
    losses.push(out.loss.item());
    state = { params: out.params, velocity: out.velocity };
  }
  assert.equal(step.stats.compiles, 1, "one signature, one compile");
  await step.dispose();
  return losses;
}

test("a compiled MLP regression step lowers the loss by at least 10x", async () => {
  const losses = await train(7, 400);
  const first = losses[0];
  const last = losses[losses.length - 1];
  assert.ok(Number.isFinite(last));
  assert.ok(first / last >= 10, `loss fell only from ${first} to ${last}`);
});

test("the same seed gives identical losses at every step", async () => {
  const a = await train(11, 30);
  const b = await train(11, 30);
  assert.deepEqual(a, b);
  const c = await train(12, 30);
  assert.notDeepEqual(a, c);
});
