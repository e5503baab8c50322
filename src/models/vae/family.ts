// Variational autoencoder (Kingma & Welling, 2014, "Auto-Encoding Variational Bayes"; Rezende et al.,
// 2014) and its conditional form (Sohn et al., 2015, "Learning Structured Output Representation
// using Deep Conditional Generative Models": the one-hot label goes into encoder and decoder).
//
// Reference configuration (BENCHMARKS.md `vae-mlp`, ../shared/peers/vae_mlp.py): encoder MLP
// 784-512-256-(2×32) → (μ, log σ²), decoder 32-256-512-784 → Bernoulli logits, ReLU, PyTorch
// default init; one reparameterized sample; Adam 1e-3, batch 128, 10 epochs on dynamically
// binarized MNIST. Target: test IWAE-1000 NLL ≤ 97.5 nats (the PyTorch peer reaches 96.8).
//
// Variants by config: arch "conv" (DCGAN-style conv encoder, transposed-conv decoder); likelihood
// bernoulli | gaussian (fixed σ) | gaussian-learned (per-pixel σ) | categorical (256-way per pixel);
// estimator reparam | score; β and its schedule (constant | linear | cyclical); numClasses > 0 (CVAE).
import type { Rng, Tensor } from "../../engine/index.js";
import * as E from "../../engine/index.js";
import type { BatchTensors, GenerativeModel, ModelFamily, Query, SampleOptions, StepContext, TrainingRecipe } from "../model.js";
import { registerFamily } from "../registry.js";
import { VAE_DEFAULTS, resolveVaeConfig, type VaeConfig } from "./config.js";
import { likelihoodDataTransform } from "./likelihood.js";
import { vaeLoss } from "./loss.js";
import type { LatentVariableModel } from "./latent.js";
import { draw, labelCode, logMeanExp, logWeights, observation, posterior, VaeNet } from "./net.js";

export type VaePlayers = { model: VaeNet };

export interface VaeModel extends LatentVariableModel<VaePlayers> {
  readonly config: VaeConfig;
}

export const VAE_RECIPE: TrainingRecipe = {
  batchSize: 128,
  epochs: 10,
  optimizers: { model: { kind: "adam", lr: 1e-3 } },
  data: "mnist",
};

/** Host labels for n examples: the given ones (checked), or classes 0, 1, …, C−1 in turn. */
function labelInputs(c: VaeConfig, n: number, opts: SampleOptions, required: boolean): Record<string, Tensor> {
  if (c.numClasses === 0) return {};
  let labels = opts.labels;
  if (!labels) {
    if (required) throw new Error(`this conditional VAE needs the examples' labels (pass labels with ${n} class indices)`);
    labels = Int32Array.from({ length: n }, (_, i) => i % c.numClasses);
  }
  if (labels.length !== n) throw new Error(`got ${labels.length} labels for ${n} examples`);
  for (const l of labels) if (!(l >= 0 && l < c.numClasses)) throw new Error(`label ${l} is outside 0..${c.numClasses - 1}`);
  return { labels: E.tensor(Int32Array.from(labels), [n], "int32") };
}

function need(inputs: Record<string, Tensor>, name: string, what: string): Tensor {
  const t = inputs[name];
  if (!t) throw new Error(`this query needs input '${name}' (${what})`);
  return t;
}

/** Decoder means reshaped to the data's shape. */
function decodeMean(c: VaeConfig, net: VaeNet, z: Tensor, labels: Tensor | undefined, ctx: StepContext): Tensor {
  const n = z.shape[0];
  return E.reshape(observation(c, net, z, labelCode(c, labels, n), ctx).mean(), [n, ...c.dataShape]);
}

function queries(c: VaeConfig): Record<"sample" | "decode" | "encode" | "reconstruct" | "elbo" | "logProb", Query<VaePlayers>> {
  const dataInputs = (n: number, opts: SampleOptions) => labelInputs(c, n, opts, true);
  const priorInputs = (n: number, opts: SampleOptions) => {
    const z = opts.rng.fillNormal(new Float32Array(n * c.latent), 0, opts.temperature ?? 1);
    return { z: E.tensor(z, [n, c.latent]), ...labelInputs(c, n, opts, false) };
  };
  return {
    sample: {
      inputs: priorInputs,
      run: ({ model }, inp, ctx) => decodeMean(c, model, need(inp, "z", `[n, ${c.latent}] prior draws`), inp.labels, ctx),
      describe: `decoder means E[x|z] for z ~ N(0, T²I)${c.numClasses ? " and the given classes" : ""}, shaped [n, ${c.dataShape.join(", ")}]`,
    },
    decode: {
      // z is the caller's (the trainer's QueryRunner decodes sample's prior draws when none is given)
      inputs: (n, opts) => labelInputs(c, n, opts, false),
      run: ({ model }, inp, ctx) => decodeMean(c, model, need(inp, "z", `[n, ${c.latent}] latent codes`), inp.labels, ctx),
      describe: `decoder means E[x|z] for latent codes z [n, ${c.latent}]`,
    },
    encode: {
      inputs: dataInputs,
      run: ({ model }, inp, ctx) => posterior(c, model, need(inp, "x", "data"), labelCode(c, inp.labels, inp.x.shape[0]), ctx).loc,
      describe: `posterior means μ(x) [n, ${c.latent}]`,
    },
    reconstruct: {
      inputs: dataInputs,
      run: ({ model }, inp, ctx) => {
        const x = need(inp, "x", "data");
        const mu = posterior(c, model, x, labelCode(c, inp.labels, x.shape[0]), ctx).loc;
        return decodeMean(c, model, mu, inp.labels, ctx);
      },
      describe: "decoder means at the posterior mean, E[x | z = μ(x)], shaped like x",
    },
    elbo: {
      inputs: dataInputs,
      run: ({ model }, inp, ctx) => {
        const d = draw(c, model, need(inp, "x", "data"), inp.labels, 1, ctx);
        return E.sub(E.reshape(d.logLik, [d.logLik.shape[1]]), E.sum(d.q.klToStandard(), 1));
      },
      describe: "ELBO per example in nats (one z draw, analytic KL): a lower bound on log p(x)",
    },
    logProb: {
      inputs: dataInputs,
      run: ({ model }, inp, ctx) => logMeanExp(logWeights(c, model, need(inp, "x", "data"), inp.labels, c.iwaeSamples, ctx)),
      describe: `IWAE bound with k = ${c.iwaeSamples} per example in nats: a lower bound on log p(x) (metrics.iwae takes any k)`,
    },
  };
}

/** Whether a model is one of this package's VAEs (its player is a VaeNet). */
export function isVaeModel(m: GenerativeModel | VaeModel): m is VaeModel {
  return (m.players as { model?: unknown }).model instanceof VaeNet && "logWeights" in m;
}

/** A VAE from a resolved config. */
export function createVae(family: string, config: VaeConfig, rng: Rng): VaeModel {
  const c = config;
  return {
    family,
    config: c,
    dataShape: [...c.dataShape],
    dataTransform: likelihoodDataTransform(c.likelihood),
    latentSize: c.latent,
    players: { model: new VaeNet(c, rng) },
    objectives: [
      {
        name: "loss",
        player: "model",
        loss: ({ model }, batch, ctx, step) => vaeLoss(c, model, batch, ctx, step),
      },
    ],
    queries: queries(c),
    logWeights: ({ model }: VaePlayers, batch: BatchTensors, k: number, ctx: StepContext) => logWeights(c, model, batch.x, batch.labels, k, ctx),
  };
}

/** The registry's view: players typed as the generic record (objectives are contravariant in them). */
const generic = (m: VaeModel): GenerativeModel => m as unknown as GenerativeModel;

export const vaeFamily: ModelFamily<VaeConfig> = {
  name: "vae",
  description: "variational autoencoder (MLP or conv; Bernoulli, Gaussian, learned-σ or 256-way decoder; reparameterized or score-function gradients; β schedules)",
  defaults: VAE_DEFAULTS,
  recipe: VAE_RECIPE,
  create: (config, rng) => generic(createVae("vae", resolveVaeConfig(config, VAE_DEFAULTS), rng)),
};

/** The conditional VAE's reference configuration: vae-mlp with the MNIST label fed to both networks. */
export const CVAE_DEFAULTS: VaeConfig = { ...VAE_DEFAULTS, numClasses: 10 };

export const cvaeFamily: ModelFamily<VaeConfig> = {
  name: "cvae",
  description: "conditional VAE: a one-hot label into encoder and decoder; samples of a chosen class",
  defaults: CVAE_DEFAULTS,
  recipe: VAE_RECIPE,
  create: (config, rng) => {
    const c = resolveVaeConfig(config, CVAE_DEFAULTS);
    if (c.numClasses < 1) throw new Error("cvae config: numClasses must be ≥ 1 (use the 'vae' family for an unconditional model)");
    return generic(createVae("cvae", c, rng));
  },
};

registerFamily(vaeFamily);
registerFamily(cvaeFamily);
