// vae-mlp (BENCHMARKS.md): MLP VAE 784-512-256-(2×32) / 32-256-512-784, Bernoulli logits,
// one reparameterized sample, Adam 1e-3, batch 128 — the maths of ../../shared/peers/vae_mlp.py.
import { Rng, Tensor, add, div, exp, mul, split, square, sub, sum } from "../../src/engine/index.js";
import { Context, Linear, ReLU, Sequential } from "../../src/nn/index.js";
import { adam, trainStep } from "../../src/optim/index.js";
import { bcePerExample } from "../lib/losses.js";
import { trainStepArch } from "../lib/train-step-arch.js";
import type { ArchOptions, EikonArch } from "../lib/types.js";

export const BATCH = 128;
export const LATENT = 32;

export function buildVae(rng: Rng) {
  const enc = new Sequential(new Linear(784, 512, { rng }), new ReLU(), new Linear(512, 256, { rng }), new ReLU(), new Linear(256, 2 * LATENT, { rng }));
  const dec = new Sequential(new Linear(LATENT, 256, { rng }), new ReLU(), new Linear(256, 512, { rng }), new ReLU(), new Linear(512, 784, { rng }));
  return { enc, dec };
}
export type Vae = ReturnType<typeof buildVae>;

/** Binary images as the peer makes them: (rand < 0.13). */
export function binaryImages(rng: Rng, n: number, shape: number[]): Tensor {
  const d = new Float32Array(n);
  for (let i = 0; i < n; i++) d[i] = rng.uniform() < 0.13 ? 1 : 0;
  return new Tensor(shape, "float32", d);
}

export function vaeLoss(m: Vae, x: Tensor, ctx: Context): Tensor {
  const b = x.shape[0];
  const [mu, logvar] = split(m.enc.forward(x, ctx), [LATENT, LATENT], 1);
  const z = add(mu, mul(ctx.normal([b, LATENT]), exp(mul(logvar, 0.5))));
  const rec = bcePerExample(m.dec.forward(z, ctx), x);
  const kl = div(mul(sum(sub(sub(add(logvar, 1), square(mu)), exp(logvar))), -0.5), b);
  return add(rec, kl);
}

export function create(opts: ArchOptions): EikonArch {
  const rng = new Rng(opts.seed);
  const model = buildVae(rng);
  const x = binaryImages(rng, BATCH * 784, [BATCH, 784]);
  const step = trainStep<Vae, { x: Tensor }>({ name: "vae-mlp", lossFn: (p, _b, batch, ctx) => vaeLoss(p, batch.x, ctx), optimizer: adam({ lr: 1e-3 }), backend: opts.backend, shards: opts.shards });
  return trainStepArch({ id: "vae-mlp", batchSize: BATCH, step, model, batch: { x }, lr: 1e-3, noise: { rng, count: { normal: BATCH * LATENT } } });
}
