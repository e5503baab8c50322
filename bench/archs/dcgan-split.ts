// dcgan-mnist with its discriminator work split over worker sessions (the runner's "2×1t" config).
// ONNX Runtime runs this net's convolutions on one core whatever its thread count (bench/NOTES.md,
// session 5: MLAS threads a conv over the batch only when it has fewer filters than output pixels),
// and whole-step shards cannot split it: G's batch norm needs the whole batch's statistics. D has no
// batch norm, so its work — most of the step — splits by rows. Per training step, the same maths
// as the one-session step in dcgan-mnist.ts:
//   1. G forward on the whole batch (batch statistics; running statistics updated once, here)
//   2. per shard: D's loss on its rows of the real and fake batch, and D's gradient   (workers)
//   3. D's Adam update on the summed gradient (host)
//   4. per shard: G's loss through the updated D, and its gradient w.r.t. the fake rows (workers)
//   5. G's gradient: the vector-Jacobian product of G's forward with the fake images' gradient —
//      its tail from the first transposed conv's saved output, its head recomputed but for that
//      conv (same batch statistics) — and G's Adam update (host)
// Shard losses are sums over their rows divided by the whole batch, so shard results simply add up.
import { Tensor, add, compile, div, mul, neg, softplus, sum, valueAndGrad, workerBackend } from "../../src/engine/index.js";
import { packInGraph, unpackTree } from "../../src/engine/packing.js";
import { Context, Sequential, combine } from "../../src/nn/index.js";
import { parallelRun, shardSizes, splitRows, weightedSum } from "../../src/optim/shards.js";
import type { ArchOptions, EikonArch } from "../lib/types.js";
import { BATCH, LR, NZ, initDcgan, type Generator, type State } from "./dcgan-mnist.js";

/** BCE-with-logits against ones / zeros, summed over a shard's rows and divided by the whole batch. */
const bceOnesPart = (logits: Tensor) => div(sum(softplus(neg(logits))), BATCH);
const bceZerosPart = (logits: Tensor) => div(sum(softplus(logits)), BATCH);

/** The shards' row blocks stacked back into one batch (host). */
function concatRows(parts: Tensor[]): Tensor {
  const out = new Float32Array(parts.reduce((s, p) => s + p.size, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p.values() as Float32Array, at);
    at += p.size;
  }
  return new Tensor([parts.reduce((s, p) => s + p.shape[0], 0), ...parts[0].shape.slice(1)], "float32", out);
}

export function createSplit(opts: ArchOptions): EikonArch {
  const shards = opts.shards ?? 2;
  const init = initDcgan(opts.seed);
  const { rng, specG, specGB, specD, opt, x } = init;
  let state: State = init.state;
  const sizes = shardSizes(BATCH, shards);
  const reals = splitRows([x], sizes).map(([t]) => t);
  const workers = workerBackend({ threads: 1 });

  const gForward = compile(
    (g: Tensor, gBuf: Tensor, z: Tensor) => {
      const ctx = Context.train();
      const bufs = unpackTree(gBuf, specGB) as Generator;
      const net = combine(unpackTree(g, specG) as Generator, bufs);
      const a = net.head(z, ctx);
      return { fake: net.tail(a, ctx), a, gBuf: packInGraph(ctx.applyUpdates(bufs), specGB) };
    },
    { name: "dcgan-mnist.G", backend: opts.backend },
  );
  const dShard = (d: Tensor, real: Tensor, fake: Tensor) => {
    const dc = Context.train();
    const { value, grad } = valueAndGrad((pd: Sequential) => add(bceOnesPart(pd.forward(real, dc)), bceZerosPart(pd.forward(fake, dc))))(unpackTree(d, specD) as Sequential);
    return { loss: value, grad: packInGraph(grad, specD) };
  };
  const dShards = parallelRun(sizes.map((_, i) => compile(dShard, { name: `dcgan-mnist.D[shard ${i}]`, backend: workers })));
  const gdShard = (d: Tensor, fake: Tensor) => {
    const dc = Context.train();
    const dNet = unpackTree(d, specD) as Sequential;
    const { value, grad } = valueAndGrad((f: Tensor) => bceOnesPart(dNet.forward(f, dc)))(fake);
    return { loss: value, dFake: grad };
  };
  const gdShards = parallelRun(sizes.map((_, i) => compile(gdShard, { name: `dcgan-mnist.G-through-D[shard ${i}]`, backend: workers })));
  const gGrad = compile(
    (g: Tensor, gBuf: Tensor, z: Tensor, a: Tensor, dFake: Tensor) => {
      // ∂/∂θ ⟨f(θ), c⟩ is the vector-Jacobian product of f with c: first through G's tail from its
      // saved input a (giving the tail's gradient and a's), then through the head with a's gradient —
      // whose forward value is then unused, so the head's transposed conv is not run again
      const net = (pg: Tensor) => combine(unpackTree(pg, specG) as Generator, unpackTree(gBuf, specGB) as Generator);
      const tail = valueAndGrad((t: { g: Tensor; a: Tensor }) => sum(mul(net(t.g).tail(t.a, Context.train()), dFake)))({ g, a });
      const head = valueAndGrad((pg: Tensor) => sum(mul(net(pg).head(z, Context.train()), tail.grad.a)))(g);
      return add(tail.grad.g, head.grad);
    },
    { name: "dcgan-mnist.G-grad", backend: opts.backend },
  );

  // Adam on the host (fused, in place; src/optim/host), as trainStep runs it
  const updateStats = { ms: 0 };
  const update = <S>(params: Tensor, grad: Tensor, st: S) => {
    const t0 = performance.now();
    const r = opt.host!.apply(params, grad, st as never, LR);
    updateStats.ms += performance.now() - t0;
    return r as { params: Tensor; state: S };
  };

  let z = new Tensor([BATCH, NZ], "float32", new Float32Array(BATCH * NZ)); // the last step's noise
  let fakes = splitRows([new Tensor([BATCH, 1, 28, 28], "float32", new Float32Array(BATCH * 784))], sizes).map(([t]) => t);
  let a = new Tensor([BATCH, 64, 14, 14], "float32", new Float32Array(BATCH * 64 * 196));
  let dFake = new Tensor([BATCH, 1, 28, 28], "float32", new Float32Array(BATCH * 784));
  return {
    id: "dcgan-mnist",
    batch: BATCH,
    async step() {
      z = new Tensor([BATCH, NZ], "float32", rng.fillNormal(new Float32Array(BATCH * NZ)));
      const g = await gForward(state.g, state.gBuf, z);
      a = g.a;
      fakes = splitRows([g.fake], sizes).map(([t]) => t);
      const dr = await dShards.run<{ loss: Tensor; grad: Tensor }>(fakes.map((f, i) => [state.d, reals[i], f]));
      const gradD = weightedSum(dr.map((r) => r.grad), dr.map(() => 1)); // shard losses are already over the whole batch
      const ud = update(state.d, gradD, state.optD);
      const gr = await gdShards.run<{ loss: Tensor; dFake: Tensor }>(fakes.map((f) => [ud.params, f]));
      dFake = concatRows(gr.map((r) => r.dFake));
      const ug = update(state.g, await gGrad(state.g, state.gBuf, z, a, dFake), state.optG);
      const loss = [...dr, ...gr].reduce((s, r) => s + r.loss.item(), 0);
      state = { g: ug.params, gBuf: g.gBuf, d: ud.params, optG: ug.state, optD: ud.state };
      return loss;
    },
    parts: [
      { name: "G forward", compiled: gForward, callsPerStep: 1, args: () => [state.g, state.gBuf, z] },
      { name: "D shards", compiled: dShards.members[0], stats: dShards.stats, callsPerStep: shards, args: () => [state.d, reals[0], fakes[0]] },
      { name: "G through D shards", compiled: gdShards.members[0], stats: gdShards.stats, callsPerStep: shards, args: () => [state.d, fakes[0]] },
      { name: "G gradient", compiled: gGrad, callsPerStep: 1, args: () => [state.g, state.gBuf, z, a, dFake] },
    ],
    updateMs: () => updateStats.ms,
    dispose: async () => {
      await Promise.all([gForward, gGrad, ...dShards.members, ...gdShards.members].map((c) => c.dispose()));
    },
  };
}
