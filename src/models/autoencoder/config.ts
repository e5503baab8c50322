// The autoencoder families' configuration, shared by the bottleneck, sparse and denoising variants.
import type { Arch } from "./networks.js";

export type AeLoss = "mse" | "bce";
export type Sparsity = "none" | "l1" | "kl";
export type Corruption = "none" | "gaussian" | "masking";
export type CodeActivation = "none" | "relu" | "sigmoid";

export type AeConfig = {
  arch: Arch;
  /** Per-example data shape, [C, H, W] for images. */
  dataShape: number[];
  /** Width of the code (the bottleneck, or an overcomplete sparse code). */
  code: number;
  /** MLP hidden widths of the encoder (the decoder mirrors them); [] gives one Linear each way. */
  hidden: number[];
  /** Conv channels of the encoder (the decoder mirrors them). */
  channels: number[];
  /** Nonlinearity applied to the code. */
  codeActivation: CodeActivation;
  /** No nonlinearity anywhere: with hidden [] and loss "mse" this is the linear autoencoder (≡ PCA subspace). */
  linear: boolean;
  /** Reconstruction loss per example, summed over pixels: squared error, or Bernoulli cross-entropy on logits. */
  loss: AeLoss;
  /** Penalty on the code: L1 (λ·Σ|h|) or KL to a target firing rate ρ (λ·Σ_j KL(ρ ‖ ρ̂_j), ρ̂_j the batch mean of h_j ∈ (0,1)). */
  sparsity: Sparsity;
  sparsityWeight: number;
  sparsityTarget: number;
  /** Corruption of the input while training (the target stays clean): x + σε, or each input zeroed with probability p. */
  noise: Corruption;
  noiseLevel: number;
};

/** Bottleneck autoencoder: MLP 784-512-256-32 mirrored, Bernoulli cross-entropy (Hinton & Salakhutdinov, 2006 in miniature). */
export const AE_DEFAULTS: AeConfig = {
  arch: "mlp",
  dataShape: [1, 28, 28],
  code: 32,
  hidden: [512, 256],
  channels: [32, 64],
  codeActivation: "none",
  linear: false,
  loss: "bce",
  sparsity: "none",
  sparsityWeight: 0,
  sparsityTarget: 0.05,
  noise: "none",
  noiseLevel: 0,
};

/** Sparse autoencoder (Ng, 2011, "Sparse autoencoder" notes): one hidden layer of 512, a sigmoid code of 256 units at target rate 0.05. */
export const SPARSE_AE_DEFAULTS: AeConfig = {
  ...AE_DEFAULTS,
  code: 256,
  hidden: [512],
  codeActivation: "sigmoid",
  sparsity: "kl",
  sparsityWeight: 1,
  sparsityTarget: 0.05,
};

/** Denoising autoencoder (Vincent et al., 2008): masking noise, a quarter of the inputs zeroed. */
export const DENOISING_AE_DEFAULTS: AeConfig = { ...AE_DEFAULTS, noise: "masking", noiseLevel: 0.25 };

function fail(msg: string): never {
  throw new Error(`autoencoder config: ${msg}`);
}
const oneOf = (k: string, v: unknown, values: readonly string[]) => {
  if (!values.includes(v as string)) fail(`${k} must be one of ${values.join(", ")}, got ${JSON.stringify(v)}`);
};
const intList = (k: string, v: unknown, allowEmpty: boolean) => {
  if (!Array.isArray(v) || (!allowEmpty && v.length === 0) || v.some((d) => !(Number.isInteger(d) && d > 0))) fail(`${k} must be a list of positive integers, got ${JSON.stringify(v)}`);
};

export function resolveAeConfig(partial: Partial<AeConfig>, defaults: AeConfig): AeConfig {
  const keys = Object.keys(defaults);
  for (const k of Object.keys(partial)) if (!keys.includes(k)) fail(`unknown key '${k}'; valid keys: ${keys.join(", ")}`);
  const c: AeConfig = { ...defaults, ...(partial as AeConfig) };
  oneOf("arch", c.arch, ["mlp", "conv"]);
  intList("dataShape", c.dataShape, false);
  if (!(Number.isInteger(c.code) && c.code > 0)) fail(`code must be a positive integer, got ${c.code}`);
  intList("hidden", c.hidden, true);
  intList("channels", c.channels, false);
  oneOf("codeActivation", c.codeActivation, ["none", "relu", "sigmoid"]);
  if (typeof c.linear !== "boolean") fail(`linear must be true or false, got ${JSON.stringify(c.linear)}`);
  if (c.linear && (c.arch !== "mlp" || c.codeActivation !== "none")) fail('linear: true needs arch "mlp" and codeActivation "none"');
  oneOf("loss", c.loss, ["mse", "bce"]);
  oneOf("sparsity", c.sparsity, ["none", "l1", "kl"]);
  if (!(c.sparsityWeight >= 0 && Number.isFinite(c.sparsityWeight))) fail(`sparsityWeight must be ≥ 0, got ${c.sparsityWeight}`);
  if (c.sparsity === "kl") {
    if (c.codeActivation !== "sigmoid") fail('sparsity "kl" needs codeActivation "sigmoid" (firing rates in (0, 1))');
    if (!(c.sparsityTarget > 0 && c.sparsityTarget < 1)) fail(`sparsityTarget must be in (0, 1), got ${c.sparsityTarget}`);
  }
  oneOf("noise", c.noise, ["none", "gaussian", "masking"]);
  if (!(c.noiseLevel >= 0 && Number.isFinite(c.noiseLevel))) fail(`noiseLevel must be ≥ 0, got ${c.noiseLevel}`);
  if (c.noise === "masking" && c.noiseLevel >= 1) fail(`masking noiseLevel is a drop probability in [0, 1), got ${c.noiseLevel}`);
  if (c.arch === "conv") {
    if (c.dataShape.length !== 3) fail(`arch "conv" needs image data [C, H, W], got [${c.dataShape.join(", ")}]`);
    const f = 2 ** c.channels.length;
    if (c.dataShape[1] % f || c.dataShape[2] % f) fail(`arch "conv" with ${c.channels.length} stride-2 layers needs H and W divisible by ${f}, got ${c.dataShape[1]}×${c.dataShape[2]}`);
  }
  return { ...c, dataShape: [...c.dataShape], hidden: [...c.hidden], channels: [...c.channels] };
}
