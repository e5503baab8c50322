// The one surface every model family exposes. The trainer, CLI, metrics, exporter and studio
// speak only this, so a new family (flows, autoregressive, energy-based, AAE/ALI, EM, …)
// plugs in without special cases.
//
// A model is static configuration plus parameter trees (nn Modules, which are pytrees) grouped
// by player: { model } for likelihood models, { generator, discriminator } for games. Every
// query is a pure traced function of those trees and input tensors, so it can be compiled,
// differentiated, or exported to ONNX with the weights baked in.
import type { Rng, Tensor } from "../engine/index.js";

/** Parameter trees by player name. */
export type Players = Record<string, unknown>;

/** What a compiled step receives of a data batch. */
export interface BatchTensors {
  /** [B, ...exampleShape], float32. */
  x: Tensor;
  /** [B] int32 class labels, when the data has them and the model uses them. */
  labels?: Tensor;
}

/**
 * Per-step context handed to losses and queries: train/eval mode, host-supplied noise,
 * and in-graph buffer updates (nn's Context satisfies it).
 */
export interface StepContext {
  readonly train: boolean;
  /** U[0,1) noise of this shape, taken from a host-generated input (seeded, resumable). */
  uniform(shape: readonly number[]): Tensor;
  /** N(0,1) noise of this shape, likewise. */
  normal(shape: readonly number[]): Tensor;
}

/** One training objective: the loss one player's optimizer minimizes. */
export interface Objective<P extends Players = Players> {
  /** Display name, used in logs and metrics.jsonl (e.g. "loss", "d_loss", "g_loss"). */
  name: string;
  /** The player whose parameters this objective updates. */
  player: keyof P & string;
  /** Steps of this objective per training iteration (k critic steps per generator step). */
  steps?: number;
  /**
   * The scalar to minimize, traced inside the compiled step. `players` holds every player's
   * current parameters (gradients flow only into `player`'s). Extra scalars in `metrics` are logged.
   */
  loss(players: P, batch: BatchTensors, ctx: StepContext, step: Tensor): { loss: Tensor; metrics?: Record<string, Tensor> };
}

export interface SampleOptions {
  rng: Rng;
  /** Scales the prior noise (1 = the model's distribution). */
  temperature?: number;
  /** Class labels for conditional models. */
  labels?: Int32Array;
}

/**
 * A traced query: a pure function of the parameters and input tensors. `inputs` names the
 * host tensors it needs for a batch of n (data, noise, labels), so the runner and exporter
 * can build them.
 */
export interface Query<P extends Players = Players> {
  /** Host inputs for n examples (noise drawn from opts.rng); data inputs come from the caller as `x`. */
  inputs?(n: number, opts: SampleOptions): Record<string, Tensor>;
  run(players: P, inputs: Record<string, Tensor>, ctx: StepContext): Tensor;
  /** What the output means, for reports ("samples in [0,1]", "nats per example", …). */
  describe: string;
  /**
   * `energy` only: −energy(x) estimates log p_data(x) − log p_model(x) up to a constant (a GAN's
   * discriminator logit under the ns and minimax losses, whose optimum is that log ratio), which
   * discriminator rejection sampling needs.
   */
  logDensityRatio?: boolean;
}

export type QueryName = "sample" | "decode" | "encode" | "logProb" | "elbo" | "energy" | "reconstruct";

export interface GenerativeModel<P extends Players = Players> {
  /** Registry name of the family (e.g. "vae"). */
  readonly family: string;
  /** Everything needed to rebuild the model with create(); saved as config.json. */
  readonly config: Record<string, unknown>;
  /** Per-example data shape the model expects (e.g. [1, 28, 28]). */
  readonly dataShape: number[];
  /** How raw [0,1] data is prepared for this model (binarize, scale to [−1,1], dequantize, …). */
  readonly dataTransform?: string;
  players: P;
  objectives: Objective<P>[];
  /** The training recipe for this configuration, when it differs from the family's (e.g. WGAN's RMSprop + clipping). */
  readonly recipe?: TrainingRecipe;
  /** The queries this family answers: density (logProb/elbo), sampling, representation (encode). */
  queries: Partial<Record<QueryName, Query<P>>>;
}

/** A family in the model registry. */
export interface ModelFamily<C extends Record<string, unknown> = Record<string, unknown>> {
  name: string;
  description: string;
  /** The reference configuration (paper / BENCHMARKS.md), used when no config is given. */
  defaults: C;
  /** The training recipe that goes with the defaults: optimizer per player, batch size, epochs. */
  recipe: TrainingRecipe;
  create(config: Partial<C>, rng: Rng): GenerativeModel;
}

export interface OptimizerSpec {
  kind: "adam" | "adamw" | "sgd" | "rmsprop";
  lr: number;
  betas?: [number, number];
  weightDecay?: number;
  momentum?: number;
  /** WGAN weight clipping to [−c, c] after each update. */
  clipWeights?: number;
  /** Clip the gradient's global norm. */
  clipGradNorm?: number;
}

export interface TrainingRecipe {
  batchSize: number;
  epochs: number;
  /** Optimizer per player. */
  optimizers: Record<string, OptimizerSpec>;
  /** Default dataset spec for `eikon train <family>` with no --data. */
  data: string;
}
