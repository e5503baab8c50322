// wgangp-toy (BENCHMARKS.md): G, D: MLP 2-512-512-512-out, ReLU; 25-Gaussians data; λ=10;
// 5 critic steps per G step; Adam 1e-4 β=(.5,.9); batch 256 — the maths of
// ../../shared/peers/wgangp_toy.py. The gradient penalty differentiates D's input gradient
// (double backprop). Two compiled functions: the critic step (called 5× per training step,
// each with fresh real points, noise and interpolation weights) and the generator step.
import { Rng, Tensor, add, compile, grad, mean, mul, neg, sqrt, square, stopGradient, sub, sum, valueAndGrad } from "../../src/engine/index.js";
import { packedPieces, packSpec, packTree, unpackTree, type PackSpec } from "../../src/engine/packing.js";
import { Context, Linear, ReLU, Sequential } from "../../src/nn/index.js";
import { adam, type AdamState } from "../../src/optim/index.js";
import { intoSlot } from "../lib/in-place.js";
import type { ArchOptions, EikonArch } from "../lib/types.js";

export const BATCH = 256;
const CRITIC = 5;
const LAMBDA = 10;

export function mlp(rng: Rng, i: number, o: number): Sequential {
  return new Sequential(new Linear(i, 512, { rng }), new ReLU(), new Linear(512, 512, { rng }), new ReLU(), new Linear(512, 512, { rng }), new ReLU(), new Linear(512, o, { rng }));
}

/** 25 Gaussians on the grid {−4,−2,0,2,4}², σ = 0.05. */
export function realPoints(rng: Rng, n: number): Tensor {
  const d = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    const k = rng.int(25);
    d[2 * i] = (Math.floor(k / 5) - 2) * 2 + 0.05 * rng.normal();
    d[2 * i + 1] = ((k % 5) - 2) * 2 + 0.05 * rng.normal();
  }
  return new Tensor([n, 2], "float32", d);
}

export function create(opts: ArchOptions): EikonArch {
  const rng = new Rng(opts.seed);
  const G = mlp(rng, 2, 2);
  const D = mlp(rng, 2, 1);
  const specG: PackSpec = packSpec(G);
  const specD: PackSpec = packSpec(D);
  const optG = adam({ lr: 1e-4, betas: [0.5, 0.9] });
  const optD = adam({ lr: 1e-4, betas: [0.5, 0.9] });
  let g = packTree(G, specG).flat;
  let d = packTree(D, specD).flat;
  let sG: AdamState = optG.init(g);
  let sD: AdamState = optD.init(d);
  const ctx = Context.train();
  // Adam runs on the host, fused, in place (src/optim/host): each compiled function returns its gradient
  let updateMs = 0;
  const update = (opt: typeof optG, p: Tensor, gr: Tensor[], st: AdamState, lr: number) => {
    const t0 = performance.now();
    const r = opt.host!.apply(p, gr, st, lr);
    updateMs += performance.now() - t0;
    return r;
  };

  const critic = compile(
    (dFlat: Tensor, gFlat: Tensor, real: Tensor, z: Tensor, e: Tensor) => {
      const gm = unpackTree(gFlat, specG) as Sequential;
      const fake = stopGradient(gm.forward(z, ctx));
      const xh = add(mul(e, real), mul(sub(1, e), fake));
      const loss = (pd: Sequential) => {
        const gx = grad((xx: Tensor) => sum(pd.forward(xx, ctx)))(xh) as Tensor;
        const gp = mean(square(sub(sqrt(sum(square(gx), 1)), 1)));
        return add(sub(mean(pd.forward(fake, ctx)), mean(pd.forward(real, ctx))), mul(gp, LAMBDA));
      };
      const { value, grad: gd } = valueAndGrad(loss)(unpackTree(dFlat, specD) as Sequential);
      return { grad: packedPieces(gd, specD), loss: value };
    },
    { name: "wgangp-critic", backend: opts.backend },
  );
  const gen = compile(
    (gFlat: Tensor, dFlat: Tensor, z: Tensor) => {
      const dm = unpackTree(dFlat, specD) as Sequential;
      const { value, grad: gg } = valueAndGrad((pg: Sequential) => neg(mean(dm.forward(pg.forward(z, ctx), ctx))))(unpackTree(gFlat, specG) as Sequential);
      return { grad: packedPieces(gg, specG), loss: value };
    },
    { name: "wgangp-generator", backend: opts.backend },
  );

  const normal = (shape: number[]) => new Tensor(shape, "float32", rng.fillNormal(new Float32Array(shape[0] * shape[1])));
  // the last step's inputs (zeros until the first step: tracing must not draw from rng)
  const zeros = (shape: number[]) => new Tensor(shape, "float32", new Float32Array(shape[0] * shape[1]));
  let cArgs: [Tensor, Tensor, Tensor] = [zeros([BATCH, 2]), zeros([BATCH, 2]), zeros([BATCH, 1])];
  let zG = zeros([BATCH, 2]);
  return {
    id: "wgangp-toy",
    batch: BATCH,
    async step() {
      let ld = 0;
      for (let k = 0; k < CRITIC; k++) {
        cArgs = [realPoints(rng, BATCH), normal([BATCH, 2]), new Tensor([BATCH, 1], "float32", rng.fillUniform(new Float32Array(BATCH)))];
        const r = await intoSlot(critic, d, specD, d, g, ...cArgs);
        ({ params: d, state: sD } = update(optD, d, r.grad, sD, 1e-4));
        ld = r.loss.item();
      }
      zG = normal([BATCH, 2]);
      const r = await intoSlot(gen, g, specG, g, d, zG);
      ({ params: g, state: sG } = update(optG, g, r.grad, sG, 1e-4));
      return ld;
    },
    parts: [
      { name: "critic", compiled: critic, callsPerStep: CRITIC, args: () => [d, g, ...cArgs] },
      { name: "generator", compiled: gen, callsPerStep: 1, args: () => [g, d, zG] },
    ],
    updateMs: () => updateMs,
    dispose: async () => {
      await critic.dispose();
      await gen.dispose();
    },
  };
}
