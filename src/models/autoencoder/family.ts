// Autoencoders: a deterministic code h = f(x) and reconstruction x̂ = g(h), trained to reconstruct.
//   bottleneck  a code narrower than the data (Hinton & Salakhutdinov, 2006, "Reducing the
//               Dimensionality of Data with Neural Networks"); linear with squared error, it spans
//               the top principal subspace (Baldi & Hornik, 1989)
//   sparse      a penalty on the code: L1, or KL(ρ ‖ ρ̂_j) to a target firing rate ρ (Ng, 2011)
//   denoising   reconstruct clean x from a corrupted input: Gaussian noise or masking noise
//               (Vincent et al., 2008, "Extracting and Composing Robust Features with Denoising
//               Autoencoders"); the noise comes from the step context (host-drawn, seeded)
// Reference configuration (`autoencoder`): MLP 784-512-256-32 / 32-256-512-784, ReLU, Bernoulli
// cross-entropy on logits, Adam 1e-3, batch 128, 10 epochs on MNIST in [0, 1]. The other two
// families change only what their name says (see SPARSE_AE_DEFAULTS, DENOISING_AE_DEFAULTS).
import type { Rng, Tensor } from "../../engine/index.js";
import * as E from "../../engine/index.js";
import { Bernoulli } from "../../dist/index.js";
import { Module, type Sequential } from "../../nn/index.js";
import type { GenerativeModel, ModelFamily, Query, StepContext, TrainingRecipe } from "../model.js";
import { registerFamily } from "../registry.js";
import { AE_DEFAULTS, DENOISING_AE_DEFAULTS, SPARSE_AE_DEFAULTS, resolveAeConfig, type AeConfig } from "./config.js";
import { buildDecoder, buildEncoder, encoderInput, flatSize, layerContext, type NetworkShape } from "./networks.js";

export class AutoencoderNet extends Module {
  readonly encoder: Sequential;
  readonly decoder: Sequential;
  constructor(c: AeConfig, rng: Rng) {
    super();
    const s = shapeOf(c);
    this.encoder = buildEncoder(s, c.code, 0, rng, !c.linear);
    this.decoder = buildDecoder(s, c.code, 1, rng, !c.linear);
  }
}

export type AePlayers = { model: AutoencoderNet };

export interface AutoencoderModel extends GenerativeModel<AePlayers> {
  readonly config: AeConfig;
}

const shapeOf = (c: AeConfig): NetworkShape => ({ arch: c.arch, dataShape: c.dataShape, hidden: c.hidden, channels: c.channels });

/** The code h = act(f(x)): [B, code]. */
export function encode(c: AeConfig, net: AutoencoderNet, x: Tensor, ctx: StepContext): Tensor {
  const h = net.encoder.forward(encoderInput(shapeOf(c), x, null), layerContext(ctx));
  return c.codeActivation === "relu" ? E.relu(h) : c.codeActivation === "sigmoid" ? E.sigmoid(h) : h;
}

/** The decoder's raw output for codes h, flat [B, D] (logits for "bce", values for "mse"). */
export function decodeRaw(c: AeConfig, net: AutoencoderNet, h: Tensor, ctx: StepContext): Tensor {
  const out = net.decoder.forward(h, layerContext(ctx));
  return E.reshape(out, [h.shape[0], flatSize(c.dataShape)]);
}

/** The reconstruction in data units: σ(logits) for "bce", the output itself for "mse". Shaped [B, ...dataShape]. */
export function reconstruction(c: AeConfig, raw: Tensor): Tensor {
  const v = c.loss === "bce" ? E.sigmoid(raw) : raw;
  return E.reshape(v, [raw.shape[0], ...c.dataShape]);
}

/** The corrupted input of a denoising autoencoder (training only; evaluation sees clean data). */
export function corrupt(c: AeConfig, x: Tensor, ctx: StepContext): Tensor {
  if (!ctx.train || c.noise === "none" || c.noiseLevel === 0) return x;
  if (c.noise === "gaussian") return E.add(x, E.mul(ctx.normal(x.shape), c.noiseLevel));
  const keep = E.cast(E.greaterEqual(ctx.uniform(x.shape), c.noiseLevel), x.dtype);
  return E.mul(x, keep);
}

/** Per-example reconstruction loss summed over pixels: [B]. */
export function reconstructionLoss(c: AeConfig, raw: Tensor, xFlat: Tensor): Tensor {
  if (c.loss === "bce") return E.neg(E.sum(new Bernoulli(raw).logProb(xFlat), 1));
  return E.sum(E.square(E.sub(raw, xFlat)), 1);
}

/** The code penalty (a scalar, before the weight λ). */
export function sparsityPenalty(c: AeConfig, h: Tensor): Tensor {
  if (c.sparsity === "l1") return E.mean(E.sum(E.abs(h), 1));
  if (c.sparsity === "kl") {
    // Σ_j KL(ρ ‖ ρ̂_j) = ρ log(ρ/ρ̂_j) + (1−ρ) log((1−ρ)/(1−ρ̂_j)), ρ̂_j the batch's mean activation
    const rho = c.sparsityTarget;
    const rhoHat = E.clip(E.mean(h, 0), 1e-6, 1 - 1e-6);
    const kl = E.add(E.mul(E.log(E.div(rho, rhoHat)), rho), E.mul(E.log(E.div(1 - rho, E.sub(1, rhoHat))), 1 - rho));
    return E.sum(kl);
  }
  return E.scalar(0);
}

function aeLoss(c: AeConfig, net: AutoencoderNet, x: Tensor, ctx: StepContext): { loss: Tensor; metrics: Record<string, Tensor> } {
  const b = x.shape[0];
  const h = encode(c, net, corrupt(c, x, ctx), ctx);
  const raw = decodeRaw(c, net, h, ctx);
  const rec = E.mean(reconstructionLoss(c, raw, E.reshape(x, [b, flatSize(c.dataShape)])));
  const metrics: Record<string, Tensor> = { rec };
  let loss = rec;
  if (c.sparsity !== "none") {
    const penalty = sparsityPenalty(c, h);
    loss = E.add(loss, E.mul(penalty, c.sparsityWeight));
    metrics.sparsity = penalty;
    metrics.mean_activation = E.mean(E.stopGradient(h));
  }
  if (c.loss === "bce") metrics.mse = E.mean(E.square(E.sub(E.sigmoid(E.stopGradient(raw)), E.reshape(x, [b, flatSize(c.dataShape)]))));
  return { loss, metrics };
}

function queries(c: AeConfig): Record<"encode" | "decode" | "reconstruct", Query<AePlayers>> {
  const need = (inputs: Record<string, Tensor>, name: string) => {
    const t = inputs[name];
    if (!t) throw new Error(`this query needs input '${name}'`);
    return t;
  };
  return {
    encode: { run: ({ model }, inp, ctx) => encode(c, model, need(inp, "x"), ctx), describe: `codes h(x) [n, ${c.code}]` },
    decode: {
      // an autoencoder has no prior: these N(0, I) codes only give an exported decoder its input shape; pass your own z
      inputs: (n, opts) => ({ z: E.tensor(opts.rng.fillNormal(new Float32Array(n * c.code)), [n, c.code]) }),
      run: ({ model }, inp, ctx) => reconstruction(c, decodeRaw(c, model, need(inp, "z"), ctx)),
      describe: `decoder outputs g(z) for codes z [n, ${c.code}], shaped like the data`,
    },
    reconstruct: {
      run: ({ model }, inp, ctx) => reconstruction(c, decodeRaw(c, model, encode(c, model, need(inp, "x"), ctx), ctx)),
      describe: "reconstructions g(h(x)) of clean inputs, shaped like x",
    },
  };
}

export function createAutoencoder(family: string, c: AeConfig, rng: Rng): AutoencoderModel {
  return {
    family,
    config: c,
    dataShape: [...c.dataShape],
    dataTransform: "none",
    players: { model: new AutoencoderNet(c, rng) },
    objectives: [{ name: "loss", player: "model", loss: ({ model }, batch, ctx) => aeLoss(c, model, batch.x, ctx) }],
    queries: queries(c),
  };
}

export const AE_RECIPE: TrainingRecipe = { batchSize: 128, epochs: 10, optimizers: { model: { kind: "adam", lr: 1e-3 } }, data: "mnist" };

const generic = (m: AutoencoderModel): GenerativeModel => m as unknown as GenerativeModel;

function family(name: string, description: string, defaults: AeConfig): ModelFamily<AeConfig> {
  return { name, description, defaults, recipe: AE_RECIPE, create: (config, rng) => generic(createAutoencoder(name, resolveAeConfig(config, defaults), rng)) };
}

export const autoencoderFamily = family("autoencoder", "bottleneck autoencoder (MLP or conv; squared-error or cross-entropy reconstruction; linear option ≡ PCA)", AE_DEFAULTS);
export const sparseAutoencoderFamily = family("sparse-autoencoder", "sparse autoencoder: L1 or KL-to-target-rate penalty on the code", SPARSE_AE_DEFAULTS);
export const denoisingAutoencoderFamily = family("denoising-autoencoder", "denoising autoencoder: reconstruct clean data from Gaussian- or masking-corrupted inputs", DENOISING_AE_DEFAULTS);

registerFamily(autoencoderFamily);
registerFamily(sparseAutoencoderFamily);
registerFamily(denoisingAutoencoderFamily);
