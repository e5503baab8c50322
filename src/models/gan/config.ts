// The GAN families' configuration: architecture, adversarial loss, the discriminator's
// regularizers (gradient penalty, spectral norm, instance noise), the generator's (proximal term
// of the variational-inference reading, EMA of its weights), with the checks that turn a bad value
// into one clear message naming the key.
import { configChecks } from "../config-checks.js";

export type GanArch = "mlp" | "dcgan";
export type GanLoss = "ns" | "minimax" | "lsgan" | "wgan" | "wgan-gp";
export type Activation = "relu" | "leaky-relu";
export type OutputActivation = "none" | "tanh";

export const GAN_ARCHS: readonly GanArch[] = ["mlp", "dcgan"];
export const GAN_LOSSES: readonly GanLoss[] = ["ns", "minimax", "lsgan", "wgan", "wgan-gp"];
export const ACTIVATIONS: readonly Activation[] = ["relu", "leaky-relu"];
export const OUTPUT_ACTIVATIONS: readonly OutputActivation[] = ["none", "tanh"];

export type GanConfig = {
  arch: GanArch;
  /** Per-example data shape: [2] for toy points, [C, H, W] for images. */
  dataShape: number[];
  /** Prior dimensions, z ~ N(0, I). */
  latent: number;
  /** MLP hidden widths of G (in order) and of D (the same widths). */
  hidden: number[];
  /** DCGAN channels, D's order ([64, 128]: conv 1→64, 64→128); G mirrors them. */
  channels: number[];
  gActivation: Activation;
  dActivation: Activation;
  /** Negative slope of the leaky ReLUs. */
  leak: number;
  /** G's last activation: tanh for images in [−1, 1], none for points. */
  output: OutputActivation;
  /**
   * Batch norm in G's hidden layers: on in the dcgan defaults (BENCHMARKS.md dcgan-mnist), false for
   * the no-batch-norm DCGAN (the proximal regularizer's experiment); off in the MLP defaults. D never
   * has batch norm, in any architecture.
   */
  gBatchNorm: boolean;
  loss: GanLoss;
  /** Discriminator steps per iteration (per generator step when gSteps is 1); null: the loss's default (5 for wgan and wgan-gp, 1 otherwise). */
  dSteps: number | null;
  /**
   * Generator steps per iteration, each on fresh z (after the dSteps discriminator steps): 1 in
   * every reference recipe; 5 with dSteps 5 for the "5 D and 5 G batches per iteration" schedule.
   */
  gSteps: number;
  /** λ of the WGAN-GP penalty λ·E(‖∇D(x̂)‖₂ − 1)². */
  gpWeight: number;
  /** WGAN's weight clipping c: every critic weight stays in [−c, c] (applied by the optimizer recipe). */
  clip: number;
  /**
   * PacGAN packing (Lin et al., 2018, "PacGAN: The power of two samples in generative adversarial
   * networks"): D judges packs of this many examples, all real or all fake, stacked along the
   * channel axis (MLP: laid end to end), so it sees the joint distribution of m draws and can
   * penalize a generator that drops modes. 1: plain D. Training batches must be multiples of it.
   */
  pack: number;
  /**
   * Minibatch standard deviation (Karras et al., 2018) before D's output layer: one extra feature,
   * the average standard deviation of D's last hidden features over groups of this many inputs
   * (ProGAN: 4), so D sees how varied its batch is. 0: none. Batches (of packs, with pack) must be
   * multiples of it.
   */
  minibatchStd: number;
  /** Spectral normalization on every weight layer of D (one power iteration per training forward). */
  spectralNorm: boolean;
  /** σ₀ of instance noise N(0, σ²) added to D's real and fake inputs; 0: none. */
  instanceNoise: number;
  /** Steps over which σ falls linearly from σ₀ to 0. */
  instanceNoiseSteps: number;
  /**
   * λ of G's proximal term λ·E_z‖G(z) − G°(z)‖² (‖·‖² summed over the output's elements), G° = G
   * before this iteration's generator update; 0: none. Needs gSteps ≥ 2: with one G step per
   * iteration G = G° there and the term has no gradient.
   */
  proximal: number;
  /** Decay of the EMA of G's weights that `sample` uses; 0: sample with G's own weights. */
  ema: number;
};

/** The loss's default number of discriminator steps per generator step. */
export const defaultDSteps = (loss: GanLoss): number => (loss === "wgan" || loss === "wgan-gp" ? 5 : 1);

/** The resolved discriminator steps per generator step. */
export const dStepsOf = (c: GanConfig): number => c.dSteps ?? defaultDSteps(c.loss);

const BASE: Omit<GanConfig, "arch" | "dataShape" | "latent" | "hidden" | "channels" | "gActivation" | "dActivation" | "output" | "loss"> = {
  leak: 0.2,
  gBatchNorm: false,
  dSteps: null,
  gSteps: 1,
  pack: 1,
  minibatchStd: 0,
  gpWeight: 10,
  clip: 0.01,
  spectralNorm: false,
  instanceNoise: 0,
  instanceNoiseSteps: 10000,
  proximal: 0,
  ema: 0,
};

/** ../shared/peers/train_gan_toy.py: G, D MLP 2-256-256-256-out, ReLU, z ∈ R², WGAN-GP. */
export const GAN_TOY_DEFAULTS: GanConfig = {
  ...BASE,
  arch: "mlp",
  dataShape: [2],
  latent: 2,
  hidden: [256, 256, 256],
  channels: [],
  gActivation: "relu",
  dActivation: "relu",
  output: "none",
  loss: "wgan-gp",
};

/** Fully connected MNIST GAN: G 100-512-512-784 (ReLU, tanh), D 784-512-512-1 (leaky ReLU 0.2), non-saturating. */
export const GAN_MNIST_DEFAULTS: GanConfig = {
  ...BASE,
  arch: "mlp",
  dataShape: [1, 28, 28],
  latent: 100,
  hidden: [512, 512],
  channels: [],
  gActivation: "relu",
  dActivation: "leaky-relu",
  output: "tanh",
  loss: "ns",
};

/** BENCHMARKS.md dcgan-mnist (../shared/peers/dcgan_mnist.py). */
export const DCGAN_DEFAULTS: GanConfig = {
  ...BASE,
  arch: "dcgan",
  dataShape: [1, 28, 28],
  latent: 100,
  hidden: [],
  channels: [64, 128],
  gActivation: "relu",
  dActivation: "leaky-relu",
  output: "tanh",
  gBatchNorm: true,
  loss: "ns",
};

const KEYS = Object.keys(GAN_TOY_DEFAULTS);

const { fail, posInt, intList, oneOf, nonNeg, bool } = configChecks("gan");

/** Defaults filled in, every field checked; unknown keys are an error (a typo would otherwise be ignored). */
export function resolveGanConfig(partial: Partial<GanConfig>, defaults: GanConfig): GanConfig {
  for (const k of Object.keys(partial)) if (!KEYS.includes(k)) fail(`unknown key '${k}'; valid keys: ${KEYS.join(", ")}`);
  const c: GanConfig = { ...defaults, ...(partial as GanConfig) };
  oneOf("arch", c.arch, GAN_ARCHS);
  intList("dataShape", c.dataShape);
  if (c.dataShape.length === 0) fail("dataShape must not be empty");
  posInt("latent", c.latent);
  intList("hidden", c.hidden);
  intList("channels", c.channels);
  oneOf("gActivation", c.gActivation, ACTIVATIONS);
  oneOf("dActivation", c.dActivation, ACTIVATIONS);
  nonNeg("leak", c.leak);
  oneOf("output", c.output, OUTPUT_ACTIVATIONS);
  bool("gBatchNorm", c.gBatchNorm);
  oneOf("loss", c.loss, GAN_LOSSES);
  if (c.dSteps !== null) posInt("dSteps", c.dSteps);
  posInt("gSteps", c.gSteps);
  posInt("pack", c.pack);
  if (!(Number.isInteger(c.minibatchStd) && (c.minibatchStd === 0 || c.minibatchStd >= 2))) fail(`minibatchStd must be 0 (off) or a group size ≥ 2, got ${JSON.stringify(c.minibatchStd)}`);
  nonNeg("gpWeight", c.gpWeight);
  if (!(typeof c.clip === "number" && c.clip > 0 && Number.isFinite(c.clip))) fail(`clip must be a finite number > 0, got ${JSON.stringify(c.clip)}`);
  bool("spectralNorm", c.spectralNorm);
  nonNeg("instanceNoise", c.instanceNoise);
  posInt("instanceNoiseSteps", c.instanceNoiseSteps);
  nonNeg("proximal", c.proximal);
  if (c.proximal > 0 && c.gSteps < 2) {
    fail(`proximal ${c.proximal} needs gSteps ≥ 2 (got ${c.gSteps}): G° is the generator before this iteration's G update, so a single G step sees G = G° and the term does nothing; set gSteps (the published experiment: dSteps 5, gSteps 5)`);
  }
  if (!(typeof c.ema === "number" && c.ema >= 0 && c.ema < 1)) fail(`ema must be in [0, 1), got ${JSON.stringify(c.ema)}`);
  if (c.arch === "mlp" && c.hidden.length === 0) fail('arch "mlp" needs at least one hidden width');
  if (c.arch === "dcgan") {
    if (c.dataShape.length !== 3) fail(`arch "dcgan" needs image data [C, H, W], got [${c.dataShape.join(", ")}]`);
    if (c.channels.length === 0) fail('arch "dcgan" needs at least one entry in channels');
    const f = 2 ** c.channels.length;
    if (c.dataShape[1] % f || c.dataShape[2] % f) fail(`arch "dcgan" with ${c.channels.length} stride-2 layers needs H and W divisible by ${f}, got ${c.dataShape[1]}×${c.dataShape[2]}`);
  }
  return { ...c, dataShape: [...c.dataShape], hidden: [...c.hidden], channels: [...c.channels] };
}
