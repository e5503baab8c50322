// Test-only model families, defined against the model surface alone (as a real family would be):
//   test-vae   a tiny MLP VAE on MNIST-shaped data, with a BatchNorm (buffers) in its encoder
//   test-quad  a 2-D Gaussian with a learnable mean (exact density), with switches that make its
//              loss, a metric or its gradient non-finite, for the NaN guard
//   test-gan   a two-player game on 2-D points (2 critic steps per generator step)
import * as E from "../../../src/engine/index.js";
import { BatchNorm1d, Context, Flatten, Linear, ReLU, Sequential } from "../../../src/nn/index.js";
import type { GenerativeModel, ModelFamily, Objective, Query } from "../../../src/models/index.js";

type Ctx = Parameters<Objective["loss"]>[2];

// ── test-vae ────────────────────────────────────────────────────────────────
interface VaeConfig extends Record<string, unknown> {
  latent: number;
  hidden: number;
}

interface VaePlayers extends Record<string, unknown> {
  model: { encoder: Sequential; decoder: Sequential };
}

function vaeCreate(config: Partial<VaeConfig>, rng: E.Rng): GenerativeModel {
  const c: VaeConfig = { latent: 4, hidden: 16, ...config };
  const d = 28 * 28;
  const encoder = new Sequential(new Flatten(), new Linear(d, c.hidden, { rng }), new BatchNorm1d(c.hidden), new ReLU(), new Linear(c.hidden, 2 * c.latent, { rng }));
  const decoder = new Sequential(new Linear(c.latent, c.hidden, { rng }), new ReLU(), new Linear(c.hidden, d, { rng }));
  const encode = (p: VaePlayers, x: E.Tensor, ctx: Ctx) => {
    const h = p.model.encoder.forward(x, ctx as Context);
    const [mu, logvar] = E.split(h, [c.latent, c.latent], 1);
    return { mu, logvar };
  };
  const elbo = (p: VaePlayers, x: E.Tensor, ctx: Ctx) => {
    const { mu, logvar } = encode(p, x, ctx);
    const z = E.add(mu, E.mul(E.exp(E.mul(logvar, 0.5)), ctx.normal(mu.shape)));
    const logits = p.model.decoder.forward(z, ctx as Context);
    const xf = E.reshape(x, [x.shape[0], d]);
    // Bernoulli log-likelihood with logits: x·l − softplus(l)
    const ll = E.sum(E.sub(E.mul(xf, logits), E.softplus(logits)), 1);
    const kl = E.mul(E.sum(E.sub(E.add(E.square(mu), E.exp(logvar)), E.add(logvar, 1)), 1), 0.5);
    return { ll, kl, elbo: E.sub(ll, kl) };
  };
  const prior = (n: number, opts: { rng: E.Rng; temperature?: number }) => ({
    z: E.tensor(opts.rng.fillNormal(new Float32Array(n * c.latent), 0, opts.temperature ?? 1), [n, c.latent]),
  });
  const decode = (p: VaePlayers, z: E.Tensor, ctx: Ctx) => E.reshape(E.sigmoid(p.model.decoder.forward(z, ctx as Context)), [z.shape[0], 1, 28, 28]);
  const objective: Objective<VaePlayers> = {
    name: "loss",
    player: "model",
    loss(p, batch, ctx) {
      const r = elbo(p, batch.x, ctx);
      return { loss: E.mean(E.neg(r.elbo)), metrics: { recon: E.mean(E.neg(r.ll)), kl: E.mean(r.kl) } };
    },
  };
  const queries: Record<string, Query<VaePlayers>> = {
    sample: { inputs: prior, run: (p, i, ctx) => decode(p, i.z, ctx), describe: "Bernoulli means in [0,1]" },
    decode: { inputs: prior, run: (p, i, ctx) => decode(p, i.z, ctx), describe: "Bernoulli means in [0,1] for codes z" },
    encode: { run: (p, i, ctx) => encode(p, i.x, ctx).mu, describe: "posterior means" },
    elbo: { run: (p, i, ctx) => elbo(p, i.x, ctx).elbo, describe: "ELBO per example (nats)" },
  };
  return {
    family: "test-vae",
    config: c,
    dataShape: [1, 28, 28],
    dataTransform: "binarize",
    players: { model: { encoder, decoder } },
    objectives: [objective as Objective],
    queries: queries as GenerativeModel["queries"],
  };
}

export const testVae: ModelFamily = {
  name: "test-vae",
  description: "test-only tiny MLP VAE (784-h-BN-2z / z-h-784)",
  defaults: { latent: 4, hidden: 16 },
  recipe: { batchSize: 32, epochs: 1, optimizers: { model: { kind: "adam", lr: 1e-3 } }, data: "mnist" },
  create: vaeCreate,
};

// ── test-quad ───────────────────────────────────────────────────────────────
interface QuadConfig extends Record<string, unknown> {
  /** Initial mean (both coordinates). */
  init: number;
  /** The loss is NaN once |w| exceeds this (null: never). */
  explodeAbove: number | null;
  /** Adds a term whose value is 0 but whose gradient is NaN. */
  nanGrad: boolean;
  /** From this step on, metric 'bad' is −Infinity (null: never). */
  infMetricFrom: number | null;
}

function quadCreate(config: Partial<QuadConfig>): GenerativeModel {
  const c: QuadConfig = { init: 3, explodeAbove: null, nanGrad: false, infMetricFrom: null, ...config };
  const w = E.tensor(new Float32Array([c.init, c.init]), [2]);
  const logProb = (mean: E.Tensor, x: E.Tensor) => E.sub(E.mul(E.sum(E.square(E.sub(x, mean)), 1), -0.5), Math.log(2 * Math.PI));
  const objective: Objective<{ model: { w: E.Tensor } }> = {
    name: "nll",
    player: "model",
    loss(p, batch, _ctx, step) {
      let loss = E.neg(E.mean(logProb(p.model.w, batch.x)));
      if (c.explodeAbove !== null) loss = E.add(loss, E.where(E.greater(E.max(E.abs(p.model.w)), c.explodeAbove), NaN, 0));
      if (c.nanGrad) loss = E.add(loss, E.sum(E.sqrt(E.sub(p.model.w, p.model.w))));
      const metrics: Record<string, E.Tensor> = { dist: E.sqrt(E.sum(E.square(p.model.w))) };
      if (c.infMetricFrom !== null) metrics.bad = E.where(E.greaterEqual(step, c.infMetricFrom), -Infinity, 0);
      return { loss, metrics };
    },
  };
  return {
    family: "test-quad",
    config: c,
    dataShape: [2],
    players: { model: { w } },
    objectives: [objective as Objective],
    queries: {
      sample: {
        inputs: (n, o) => ({ eps: E.tensor(o.rng.fillNormal(new Float32Array(2 * n), 0, o.temperature ?? 1), [n, 2]) }),
        run: (p, i) => E.add(i.eps, (p as { model: { w: E.Tensor } }).model.w),
        describe: "points in the plane",
      },
      logProb: { run: (p, i) => logProb((p as { model: { w: E.Tensor } }).model.w, i.x), describe: "log density (nats)" },
    },
  };
}

export const testQuad: ModelFamily = {
  name: "test-quad",
  description: "test-only 2-D Gaussian with a learnable mean",
  defaults: { init: 3, explodeAbove: null, nanGrad: false, infMetricFrom: null },
  recipe: { batchSize: 32, epochs: 1, optimizers: { model: { kind: "sgd", lr: 0.1 } }, data: "toy:8gaussians?n=512" },
  create: (config) => quadCreate(config as Partial<QuadConfig>),
};

// ── test-gan ────────────────────────────────────────────────────────────────
interface GanPlayers extends Record<string, unknown> {
  generator: Sequential;
  discriminator: Sequential;
}

function ganCreate(config: Partial<{ hidden: number }>, rng: E.Rng): GenerativeModel {
  const hidden = config.hidden ?? 8;
  const generator = new Sequential(new Linear(2, hidden, { rng }), new ReLU(), new Linear(hidden, 2, { rng }));
  const discriminator = new Sequential(new Linear(2, hidden, { rng }), new ReLU(), new Linear(hidden, 1, { rng }));
  const fake = (p: GanPlayers, n: number, ctx: Ctx) => p.generator.forward(ctx.normal([n, 2]), ctx as Context);
  const objectives: Objective<GanPlayers>[] = [
    {
      name: "d_loss",
      player: "discriminator",
      steps: 2,
      loss(p, batch, ctx) {
        const real = p.discriminator.forward(batch.x, ctx as Context);
        const f = p.discriminator.forward(E.stopGradient(fake(p, batch.x.shape[0], ctx)), ctx as Context);
        const loss = E.add(E.mean(E.softplus(E.neg(real))), E.mean(E.softplus(f)));
        return { loss, metrics: { real: E.mean(E.sigmoid(real)) } };
      },
    },
    {
      name: "g_loss",
      player: "generator",
      loss(p, batch, ctx) {
        const f = p.discriminator.forward(fake(p, batch.x.shape[0], ctx), ctx as Context);
        return { loss: E.mean(E.softplus(E.neg(f))) };
      },
    },
  ];
  return {
    family: "test-gan",
    config: { hidden },
    dataShape: [2],
    players: { generator, discriminator },
    objectives: objectives as Objective[],
    queries: {
      sample: {
        inputs: (n, o) => ({ z: E.tensor(o.rng.fillNormal(new Float32Array(2 * n), 0, o.temperature ?? 1), [n, 2]) }),
        run: (p, i, ctx) => (p as GanPlayers).generator.forward(i.z, ctx as Context),
        describe: "points in the plane",
      },
    },
  };
}

export const testGan: ModelFamily = {
  name: "test-gan",
  description: "test-only two-player GAN on 2-D points",
  defaults: { hidden: 8 },
  recipe: {
    batchSize: 32,
    epochs: 1,
    optimizers: { generator: { kind: "adam", lr: 1e-3, betas: [0.5, 0.999] }, discriminator: { kind: "adam", lr: 1e-3, betas: [0.5, 0.999] } },
    data: "toy:8gaussians?n=512",
  },
  create: (config, rng) => ganCreate(config as Partial<{ hidden: number }>, rng),
};
