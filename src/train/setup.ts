// Everything the trainer decides before its first step: the data (from a spec or a source), the
// options after the family's recipe and the user's overrides, and checks with messages a user can act on.
import { loadDataset, subset, type DataSource } from "../data/index.js";
import { findFamily, type GenerativeModel, type OptimizerSpec, type TrainingRecipe } from "../models/index.js";
import type { DataRecord, ResolvedOptions } from "./run-dir.js";
import { makeOptimizer, makeSchedule } from "./optimizers.js";

/** Data named by a `--data` spec, optionally cut to its first `subset` examples. */
export interface DataRef {
  spec: string;
  subset?: number;
}

export type DataInput = DataSource | DataRef | string;

export class TrainSetupError extends Error {
  override name = "TrainSetupError";
}

/** Loads the data an input names, and how config.json records it. */
export function resolveData(input: DataInput): { source: DataSource; record: { spec: string | null; name: string; subset?: number } } {
  if (typeof input === "string") return resolveData({ spec: input });
  if ("spec" in input && typeof input.spec === "string" && !("read" in input)) {
    const full = loadDataset(input.spec);
    if (input.subset === undefined) return { source: full, record: { spec: input.spec, name: full.name } };
    if (!(Number.isInteger(input.subset) && input.subset > 0)) throw new TrainSetupError(`subset must be a positive integer, got ${input.subset}`);
    const n = Math.min(input.subset, full.n);
    const indices = Int32Array.from({ length: n }, (_, i) => i);
    return { source: subset(full, indices, `${full.name}[:${n}]`), record: { spec: input.spec, name: full.name, subset: n } };
  }
  const src = input as DataSource;
  return { source: src, record: { spec: null, name: src.name } };
}

/** The training options as given to train(); every field has a default. */
export interface TrainOptionsBase {
  /** Total steps (iterations: one round of every objective). Give steps or epochs, not both. */
  steps?: number;
  /** Passes over the training data (default: the recipe's). */
  epochs?: number;
  batchSize?: number;
  /** Per player: overrides of the recipe's optimizer. */
  optimizers?: Record<string, Partial<OptimizerSpec>>;
  /** Sets every player's learning rate. */
  lr?: number;
  /** Learning-rate schedule for every player (default "constant"). */
  schedule?: string;
  /** Seeds data order, noise and sample pictures (default 0). The model's initialization is the caller's. */
  seed?: number;
  /** Log a metrics.jsonl line every this many steps (default 10; always the last step). */
  logEvery?: number;
  /** Checkpoint every this many steps (default: once per epoch, at most every 1000 steps; always at the end). */
  checkpointEvery?: number;
  /** Step checkpoints kept (default 3), besides best.safetensors. */
  keepLast?: number;
  /** Evaluate the objectives on the evaluation data every this many steps (default: at each checkpoint when there is evaluation data). */
  evalEvery?: number;
  /** Batches per evaluation (default 20). */
  evalBatches?: number;
  /** Save a sample picture every this many steps (default: at each checkpoint) when the model can sample. */
  sampleEvery?: number;
  /** Samples per picture (default 64). */
  sampleCount?: number;
  /** On a non-finite loss or gradient: stop (default), or reload the last checkpoint and halve the learning rate. */
  onNan?: "stop" | "rollback";
  /** Rollbacks allowed before giving up (default 8). */
  maxRollbacks?: number;
}

/** Runs a validation, reporting its failure as a TrainSetupError (the user's input is at fault). */
function setupCheck(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    throw new TrainSetupError((e as Error).message);
  }
}

function positiveInt(name: string, v: number | undefined, min = 1): void {
  if (v !== undefined && !(Number.isInteger(v) && v >= min)) throw new TrainSetupError(`${name} must be an integer ≥ ${min}, got ${v}`);
}

/** The family's recipe, or defaults for a model built outside the registry. */
function recipeOf(model: GenerativeModel): TrainingRecipe {
  if (model.recipe) return model.recipe;
  try {
    return findFamily(model.family).recipe;
  } catch {
    const optimizers = Object.fromEntries(model.objectives.map((o) => [o.player, { kind: "adam", lr: 1e-3 } as OptimizerSpec]));
    return { batchSize: 64, epochs: 1, optimizers, data: "" };
  }
}

/** Options after the recipe and overrides; `batchesPerEpoch(batchSize)` is the training iterator's epoch length. */
export function resolveOptions(
  model: GenerativeModel,
  o: TrainOptionsBase,
  batchesPerEpoch: (batchSize: number) => number,
  hasEvalData: boolean,
  canSample: boolean,
): ResolvedOptions {
  const recipe = recipeOf(model);
  if (model.objectives.length === 0) throw new TrainSetupError(`model '${model.family}' has no training objectives`);
  if (o.steps !== undefined && o.epochs !== undefined) throw new TrainSetupError("give steps or epochs, not both");
  positiveInt("steps", o.steps);
  if (o.epochs !== undefined && !(o.epochs > 0)) throw new TrainSetupError(`epochs must be positive, got ${o.epochs}`);
  for (const k of ["logEvery", "checkpointEvery", "keepLast", "evalBatches", "sampleCount", "batchSize"] as const) positiveInt(k, o[k]);
  for (const k of ["evalEvery", "sampleEvery", "maxRollbacks"] as const) positiveInt(k, o[k], 0);
  if (o.lr !== undefined && !(o.lr > 0 && Number.isFinite(o.lr))) throw new TrainSetupError(`lr must be a positive number, got ${o.lr}`);
  if (o.onNan !== undefined && o.onNan !== "stop" && o.onNan !== "rollback") throw new TrainSetupError(`onNan must be "stop" or "rollback", got ${JSON.stringify(o.onNan)}`);

  const optimizers: Record<string, OptimizerSpec> = {};
  for (const obj of model.objectives) {
    const base = recipe.optimizers[obj.player];
    const over = o.optimizers?.[obj.player] ?? {};
    if (!base && !over.kind) throw new TrainSetupError(`no optimizer for player '${obj.player}': the recipe of '${model.family}' has none; pass optimizers.${obj.player}`);
    const spec = { ...base, ...over } as OptimizerSpec;
    if (o.lr !== undefined) spec.lr = o.lr;
    setupCheck(() => makeOptimizer(spec)); // validates the kind
    optimizers[obj.player] = spec;
  }
  const batchSize = o.batchSize ?? recipe.batchSize;
  const k1 = model.objectives[0].steps ?? 1;
  const epochLength = Math.max(1, Math.ceil(batchesPerEpoch(batchSize) / k1));
  const steps = o.steps ?? Math.max(1, Math.ceil((o.epochs ?? recipe.epochs) * epochLength));
  const checkpointEvery = o.checkpointEvery ?? Math.max(1, Math.min(epochLength, 1000));
  const schedule = o.schedule ?? "constant";
  setupCheck(() => makeSchedule(schedule, 1, steps)); // validates the spec
  return {
    steps,
    epochLength,
    batchSize,
    optimizers,
    logEvery: o.logEvery ?? 10,
    checkpointEvery,
    keepLast: o.keepLast ?? 3,
    evalEvery: o.evalEvery ?? (hasEvalData ? checkpointEvery : 0),
    evalBatches: o.evalBatches ?? 20,
    sampleEvery: o.sampleEvery ?? (canSample ? checkpointEvery : 0),
    sampleCount: o.sampleCount ?? 64,
    onNan: o.onNan ?? "stop",
    maxRollbacks: o.maxRollbacks ?? 8,
    schedule,
  };
}

/** The data's example shape must be the model's. */
export function checkDataShape(model: GenerativeModel, source: DataSource, what = "training data"): void {
  const a = source.exampleShape, b = model.dataShape;
  if (a.length !== b.length || a.some((d, i) => d !== b[i])) {
    throw new TrainSetupError(`the ${what} (${source.name}) has examples of shape [${a.join(", ")}] but model '${model.family}' expects [${b.join(", ")}]; choose matching --data or model config`);
  }
}

export type { DataRecord };
