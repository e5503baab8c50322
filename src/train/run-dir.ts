// The run directory: everything one training run leaves behind (docs/run-directory.md).
//
//   config.json      family + model config + data + seed + resolved training options
//   checkpoints/     step-<n>.safetensors (the last K) and best.safetensors
//   metrics.jsonl    one JSON object per logged step (train) or evaluation (eval)
//   samples/         step-<n>.png sample grids over time
//   eval.jsonl       results of `eikon eval`, one line per metric
//   report.html      loss curves, sample grids, config and metrics
import { appendFileSync, existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic, writeJsonAtomic } from "../io/index.js";
import type { OptimizerSpec } from "../models/index.js";

export const RUN_FORMAT = "eikon-run/1";

export interface RunPaths {
  root: string;
  config: string;
  checkpoints: string;
  metrics: string;
  samples: string;
  evals: string;
  report: string;
}

export function runPaths(root: string): RunPaths {
  return {
    root,
    config: join(root, "config.json"),
    checkpoints: join(root, "checkpoints"),
    metrics: join(root, "metrics.jsonl"),
    samples: join(root, "samples"),
    evals: join(root, "eval.jsonl"),
    report: join(root, "report.html"),
  };
}

/** Where the training data came from: a `--data` spec (rebuildable) or a source given in code (not). */
export interface DataRecord {
  /** The `--data` spec, or null when the data was a DataSource built in code. */
  spec: string | null;
  /** The source's name (for messages). */
  name: string;
  /** Only the first `subset` examples were used. */
  subset?: number;
  /** The evaluation data, likewise. */
  eval?: { spec: string | null; name: string; subset?: number };
}

/** The training options a run was started with, after defaults: enough to continue it exactly. */
export interface ResolvedOptions {
  /** Total training steps (iterations: one round of every objective). */
  steps: number;
  /** Steps per epoch of the training data at this batch size. */
  epochLength: number;
  batchSize: number;
  optimizers: Record<string, OptimizerSpec>;
  logEvery: number;
  checkpointEvery: number;
  keepLast: number;
  evalEvery: number;
  evalBatches: number;
  sampleEvery: number;
  sampleCount: number;
  onNan: "stop" | "rollback";
  /** NaN rollbacks allowed before the run gives up. */
  maxRollbacks: number;
  /** Learning-rate schedule (see optimizers.ts: constant, cosine, warmup-cosine:<n>, step:<n>:<gamma>). */
  schedule: string;
}

export interface RunConfig {
  format: typeof RUN_FORMAT;
  family: string;
  /** The model's config (GenerativeModel.config): family.create(config) rebuilds it. */
  config: Record<string, unknown>;
  dataShape: number[];
  dataTransform: string | null;
  data: DataRecord;
  seed: number;
  options: ResolvedOptions;
  created: string;
}

export class RunDirError extends Error {
  override name = "RunDirError";
}

export async function writeRunConfig(paths: RunPaths, config: RunConfig): Promise<void> {
  await writeJsonAtomic(paths.config, config);
}

/** Reads and checks a run's config.json; a missing or foreign directory is a RunDirError naming the fix. */
export function readRunConfig(root: string): RunConfig {
  const paths = runPaths(root);
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new RunDirError(`run directory '${root}' does not exist; pass the --out folder of an \`eikon train\` run`);
  if (!existsSync(paths.config)) throw new RunDirError(`'${root}' is not a run directory: it has no config.json (written by \`eikon train\` when a run starts)`);
  let cfg: unknown;
  try {
    cfg = JSON.parse(readFileSync(paths.config, "utf8"));
  } catch (e) {
    throw new RunDirError(`${paths.config} is not valid JSON (${(e as Error).message})`);
  }
  const c = cfg as Partial<RunConfig>;
  if (c?.format !== RUN_FORMAT) throw new RunDirError(`${paths.config}: format is ${JSON.stringify(c?.format)}, expected "${RUN_FORMAT}"`);
  for (const key of ["family", "config", "data", "seed", "options", "dataShape"] as const) {
    if (c[key] === undefined) throw new RunDirError(`${paths.config}: missing "${key}"`);
  }
  return c as RunConfig;
}

/** One line of metrics.jsonl: a logged training step, or an evaluation. */
export interface MetricsRecord {
  step: number;
  epoch?: number;
  /** Seconds since the run started (wall clock, cumulative over resumes). */
  elapsed?: number;
  /** Objective losses and their metrics at this step. */
  train?: Record<string, number>;
  /** Averages over evaluation batches. */
  eval?: Record<string, number>;
  /** Learning rate per player. */
  lr?: Record<string, number>;
}

/** Appends records to metrics.jsonl, one line each (a crash can cut only the last line, which readers skip). */
export class MetricsLog {
  constructor(readonly path: string) {}

  append(record: MetricsRecord): void {
    appendFileSync(this.path, JSON.stringify(record) + "\n");
  }

  /** Drops every record after `step` (a resumed run redoes those steps), atomically. */
  async truncateAfter(step: number): Promise<void> {
    const kept = readMetrics(this.path).filter((r) => r.step <= step);
    await writeFileAtomic(this.path, kept.map((r) => JSON.stringify(r) + "\n").join(""));
  }
}

/** The records of a metrics.jsonl (none if the file is absent; a torn or foreign line is skipped). */
export function readMetrics(path: string): MetricsRecord[] {
  if (!existsSync(path)) return [];
  const out: MetricsRecord[] = [];
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (line.trim() === "") continue;
    try {
      const r = JSON.parse(line) as MetricsRecord;
      if (typeof r?.step === "number") out.push(r);
    } catch {
      // a line cut short by a crash
    }
  }
  return out;
}

/** Zero-padded step for file names, so they sort by name. */
export function stepTag(step: number): string {
  return `step-${String(step).padStart(8, "0")}`;
}
