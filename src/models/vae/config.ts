// The VAE family's configuration: architecture, observation model, gradient estimator, KL weighting
// and conditioning, with the checks that turn a bad value into one clear message.
import { flatSize, type Arch } from "../autoencoder/networks.js";
import { LIKELIHOODS, type LikelihoodKind, type LikelihoodSpec } from "./likelihood.js";
import { KL_SCHEDULES, type KlSchedule, type KlScheduleKind } from "./schedule.js";
import { configChecks } from "../config-checks.js";

export type Estimator = "reparam" | "score";
export const ESTIMATORS: readonly Estimator[] = ["reparam", "score"];

export type VaeConfig = {
  arch: Arch;
  /** Per-example data shape, [C, H, W] for images. */
  dataShape: number[];
  /** Latent dimensions. */
  latent: number;
  /** MLP hidden widths of the encoder (the decoder mirrors them). */
  hidden: number[];
  /** Conv channels of the encoder (the decoder mirrors them). */
  channels: number[];
  likelihood: LikelihoodKind;
  /** σ of the fixed-variance Gaussian observation model. */
  sigma: number;
  /** Floor on the learned per-pixel σ. */
  minSigma: number;
  /** Features per pixel feeding the 256-way categorical head. */
  categoricalFeatures: number;
  /** Encoder gradient: reparameterization (pathwise) or score function (REINFORCE, leave-one-out baseline). */
  estimator: Estimator;
  /** z draws per example in the training loss (the score-function baseline needs ≥ 2). */
  samples: number;
  /** KL weight β and its schedule over training steps. */
  beta: number;
  klSchedule: KlScheduleKind;
  betaStart: number;
  warmupSteps: number;
  cycleSteps: number;
  cycleRatio: number;
  /** Classes of the label fed to encoder and decoder (0: unconditional). */
  numClasses: number;
  /** Importance samples of the logProb query's IWAE estimate. */
  iwaeSamples: number;
  /** Log per-dimension KL and active units each step. */
  diagnostics: boolean;
};

/** BENCHMARKS.md `vae-mlp`: 784-512-256-(2×32) / 32-256-512-784, Bernoulli logits. */
export const VAE_DEFAULTS: VaeConfig = {
  arch: "mlp",
  dataShape: [1, 28, 28],
  latent: 32,
  hidden: [512, 256],
  channels: [32, 64],
  likelihood: "bernoulli",
  sigma: 0.1,
  minSigma: 0.01,
  categoricalFeatures: 16,
  estimator: "reparam",
  samples: 1,
  beta: 1,
  klSchedule: "constant",
  betaStart: 0,
  warmupSteps: 10000,
  cycleSteps: 10000,
  cycleRatio: 0.5,
  numClasses: 0,
  iwaeSamples: 100,
  diagnostics: true,
};

const KEYS = Object.keys(VAE_DEFAULTS);

const { fail, posInt, intList, oneOf, nonNeg } = configChecks("vae");

/** Defaults filled in, every field checked; unknown keys are an error (a typo would otherwise be ignored). */
export function resolveVaeConfig(partial: Partial<VaeConfig>, defaults: VaeConfig = VAE_DEFAULTS): VaeConfig {
  for (const k of Object.keys(partial)) if (!KEYS.includes(k)) fail(`unknown key '${k}'; valid keys: ${KEYS.join(", ")}`);
  const c: VaeConfig = { ...defaults, ...(partial as VaeConfig) };
  oneOf("arch", c.arch, ["mlp", "conv"]);
  intList("dataShape", c.dataShape);
  if (c.dataShape.length === 0) fail("dataShape must not be empty");
  posInt("latent", c.latent);
  intList("hidden", c.hidden);
  intList("channels", c.channels);
  oneOf("likelihood", c.likelihood, LIKELIHOODS);
  if (!(c.sigma > 0)) fail(`sigma must be > 0, got ${c.sigma}`);
  if (!(c.minSigma > 0 && c.minSigma < 1)) fail(`minSigma must be in (0, 1), got ${c.minSigma}`);
  posInt("categoricalFeatures", c.categoricalFeatures);
  oneOf("estimator", c.estimator, ESTIMATORS);
  posInt("samples", c.samples);
  if (c.estimator === "score" && c.samples < 2) fail(`the score-function estimator's leave-one-out baseline needs samples ≥ 2, got ${c.samples}`);
  nonNeg("beta", c.beta);
  oneOf("klSchedule", c.klSchedule, KL_SCHEDULES);
  nonNeg("betaStart", c.betaStart);
  posInt("warmupSteps", c.warmupSteps);
  posInt("cycleSteps", c.cycleSteps);
  if (!(c.cycleRatio > 0 && c.cycleRatio <= 1)) fail(`cycleRatio must be in (0, 1], got ${c.cycleRatio}`);
  if (!(Number.isInteger(c.numClasses) && c.numClasses >= 0)) fail(`numClasses must be an integer ≥ 0, got ${c.numClasses}`);
  posInt("iwaeSamples", c.iwaeSamples);
  if (typeof c.diagnostics !== "boolean") fail(`diagnostics must be true or false, got ${JSON.stringify(c.diagnostics)}`);
  if (c.arch === "conv") {
    if (c.dataShape.length !== 3) fail(`arch "conv" needs image data [C, H, W], got [${c.dataShape.join(", ")}]`);
    const f = 2 ** c.channels.length;
    if (c.dataShape[1] % f || c.dataShape[2] % f) fail(`arch "conv" with ${c.channels.length} stride-2 layers needs H and W divisible by ${f}, got ${c.dataShape[1]}×${c.dataShape[2]}`);
  }
  if (flatSize(c.dataShape) <= 0) fail("dataShape has no elements");
  return { ...c, dataShape: [...c.dataShape], hidden: [...c.hidden], channels: [...c.channels] };
}

export const likelihoodSpec = (c: VaeConfig): LikelihoodSpec => ({ kind: c.likelihood, sigma: c.sigma, minSigma: c.minSigma, categoricalFeatures: c.categoricalFeatures });
export const klSchedule = (c: VaeConfig): KlSchedule => ({ kind: c.klSchedule, beta: c.beta, betaStart: c.betaStart, warmupSteps: c.warmupSteps, cycleSteps: c.cycleSteps, cycleRatio: c.cycleRatio });
