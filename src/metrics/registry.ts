// Metrics by name, for `eikon eval --metric <name>` and the studio. src/metrics and the layers above
// it (train, cli) can register one; each speaks only the model surface and says clearly when a model
// cannot answer it. Built in here: elbo and nll (from the elbo / logProb queries); the rest of
// src/metrics adds its own (iwae, fid, digits, mode-coverage alias modes, …) through registerMetric.
import { Rng, tensor, type Backend } from "../engine/index.js";
import { parseDatasetSpec, toyDistribution, type DataSource } from "../data/index.js";
import { evalBatchesOf, type EvalBatch } from "./batches.js";
import { drawSamples, QueryRunner, type GenerativeModel, type QueryName } from "../models/index.js";

export interface MetricContext {
  model: GenerativeModel;
  /** Evaluation data (raw [0,1] examples; the model's dataTransform is applied here). */
  data?: DataSource;
  /** The `--data` spec the evaluation data came from, when known (e.g. to find a toy distribution's modes). */
  dataSpec?: string | null;
  /** Importance samples per example (iwae) and similar sample counts. */
  k: number;
  /** Examples (or samples) to use; undefined: all of the data, or the metric's default. */
  n?: number;
  batchSize: number;
  seed: number;
  runner: QueryRunner;
  backend?: Backend;
}

export interface MetricResult {
  value: number;
  /** e.g. "nats/example", "bits/dim", "modes". */
  unit: string;
  /** Standard error of the mean, when the value is an average over examples. */
  stderr?: number;
  /** Examples or samples the value is computed from. */
  n?: number;
  /** Secondary numbers (shown in --json and the report). */
  details?: Record<string, number>;
}

export interface MetricDef {
  name: string;
  /** Other names that find this metric (e.g. modes for mode-coverage). */
  aliases?: readonly string[];
  description: string;
  /** Needs evaluation data (density metrics) or only the model (sample-based metrics). */
  needsData: boolean;
  /** Why this model cannot answer the metric, or null if it can. */
  unsupported?(model: GenerativeModel, ctx: { dataSpec?: string | null }): string | null;
  compute(ctx: MetricContext): Promise<MetricResult>;
}

export class MetricError extends Error {
  override name = "MetricError";
}

const metrics = new Map<string, MetricDef>();
const aliases = new Map<string, string>();

/** Adds a metric (or replaces the one of the same name), with its aliases. */
export function registerMetric(def: MetricDef): void {
  metrics.set(def.name, def);
  for (const a of def.aliases ?? []) aliases.set(a, def.name);
}

export function listMetrics(): MetricDef[] {
  return [...metrics.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** A metric by name or alias. */
export function findMetric(name: string): MetricDef {
  const m = metrics.get(name) ?? metrics.get(aliases.get(name) ?? "");
  if (!m) {
    const known = listMetrics().map((d) => (d.aliases?.length ? `${d.name} (or ${d.aliases.join(", ")})` : d.name));
    throw new MetricError(`unknown metric '${name}'; known metrics: ${known.join(", ")}`);
  }
  return m;
}

/** Evaluates one metric, first checking that the model can answer it. */
export async function computeMetric(name: string, ctx: MetricContext): Promise<MetricResult> {
  const def = findMetric(name);
  const why = def.unsupported?.(ctx.model, ctx);
  if (why) throw new MetricError(`metric '${name}' is not available for model '${ctx.model.family}': ${why}`);
  if (def.needsData && !ctx.data) throw new MetricError(`metric '${name}' needs evaluation data; pass --data`);
  return def.compute(ctx);
}

/** Batches of evaluation data, prepared the way the model was trained (fixed order, seeded transforms). */
export function evalBatches(ctx: MetricContext): AsyncGenerator<EvalBatch> {
  return evalBatchesOf(ctx.model, ctx.data!, { batchSize: ctx.batchSize, n: ctx.n, seed: ctx.seed });
}

/** Per-example values of a data query (elbo, logProb, …), averaged: mean, standard error, count. */
export async function meanOverData(ctx: MetricContext, query: QueryName): Promise<{ mean: number; stderr: number; n: number }> {
  const rng = new Rng(ctx.seed);
  let sum = 0, sumSq = 0, n = 0;
  for await (const b of evalBatches(ctx)) {
    const out = await ctx.runner.run(query, { n: b.shape[0], x: tensor(b.x, b.shape), rng });
    const v = out.values();
    if (v.length !== b.shape[0]) throw new MetricError(`query '${query}' of model '${ctx.model.family}' returned shape [${out.shape.join(", ")}] for a batch of ${b.shape[0]}; expected one value per example`);
    for (let i = 0; i < v.length; i++) {
      sum += v[i];
      sumSq += v[i] * v[i];
    }
    n += v.length;
  }
  const mean = sum / n;
  const variance = Math.max(0, sumSq / n - mean * mean);
  return { mean, stderr: Math.sqrt(variance / Math.max(1, n - 1)), n };
}

const needsQuery = (q: QueryName) => (model: GenerativeModel) =>
  model.queries[q] ? null : `it has no '${q}' query (it answers: ${Object.keys(model.queries).join(", ") || "none"})`;

registerMetric({
  name: "elbo",
  description: "evidence lower bound on log p(x), averaged over the data (nats/example, higher is better)",
  needsData: true,
  unsupported: needsQuery("elbo"),
  async compute(ctx) {
    const r = await meanOverData(ctx, "elbo");
    return { value: r.mean, unit: "nats/example", stderr: r.stderr, n: r.n };
  },
});

registerMetric({
  name: "nll",
  description: "exact negative log-likelihood −log p(x) from the model's density, averaged over the data (nats/example)",
  needsData: true,
  unsupported: (model) =>
    model.queries.logProb ? null : `it has no exact density (no 'logProb' query)${model.queries.elbo ? "; use --metric elbo, or iwae for a tighter bound" : ""}`,
  async compute(ctx) {
    const r = await meanOverData(ctx, "logProb");
    const dims = ctx.model.dataShape.reduce((a, b) => a * b, 1);
    return { value: -r.mean, unit: "nats/example", stderr: r.stderr, n: r.n, details: { bitsPerDim: -r.mean / (dims * Math.LN2) } };
  },
});
