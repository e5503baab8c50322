// Likelihood bounds on held-out data, reported in nats per example:
//   iwae   the importance-weighted bound (Burda, Grosse & Salakhutdinov, 2016)
//          log p(x) ≥ L_k = E[log (1/k) Σ_s p(x, z_s)/q(z_s|x)], z_s ~ q(z|x); −L_k is the test NLL
//          estimate (k = 1000 by convention). L_1 ≤ L_k ≤ L_m for k ≤ m (in expectation).
//   elbo   the evidence lower bound from the model's `elbo` query (analytic KL where it has one)
//   nll    the best the model offers: IWAE-k for latent-variable models, exact −log p(x) otherwise
// The k draws are taken in chunks so that one session run decodes at most `maxRows` latent codes;
// the log-mean-exp is accumulated per example on the host in float64, so k = 1000 needs no more
// memory than k = 50.
import { Rng, Tensor, compile, mapTree, tensor, type Backend, type Compiled } from "../engine/index.js";
import type { DataSource } from "../data/index.js";
import { Context, type Noise, type NoiseCount } from "../nn/index.js";
import { QueryRunner, type GenerativeModel } from "../models/index.js";
import { isLatentVariableModel, type LatentVariableModel } from "../models/vae/latent.js";
import { evalBatchesOf, type EvalBatch, type EvalDataOptions } from "./batches.js";

export interface BoundOptions extends EvalDataOptions {
  /** Importance samples per example (iwae and nll; default 1000). */
  k?: number;
  /** Noise for the z draws (default: new Rng(seed + 1)). */
  rng?: Rng;
  /** Most latent codes decoded by one session run (default 5000). */
  maxRows?: number;
  backend?: Backend;
}

export interface BoundResult {
  /** −(mean bound): the NLL estimate, nats per example (an upper bound on the true NLL in expectation). */
  nll: number;
  /** Mean of the bound itself (= −nll). */
  bound: number;
  /** Standard error of the mean over examples. */
  stderr: number;
  /** Examples evaluated. */
  n: number;
  /** Importance samples per example (1 for the ELBO). */
  k: number;
  /** Bits per dimension of the NLL. */
  bitsPerDim: number;
  /** Per-example bound values. */
  perExample: Float64Array;
  /** iwae only: the mean single-draw log-weight, a Monte Carlo ELBO on the same draws. */
  elbo?: number;
}

type LogWeightsFn = Compiled<[unknown, Tensor, Tensor | undefined, Noise], Tensor>;

/** Compiled log-weights [k, B] per chunk size k, with the noise each needs measured once by a symbolic trace. */
class LogWeightRunner {
  private readonly fns = new Map<number, LogWeightsFn>();
  private readonly needs = new Map<string, NoiseCount>();
  constructor(readonly model: LatentVariableModel, readonly backend?: Backend) {}

  async run(k: number, x: Tensor, labels: Tensor | undefined, rng: Rng): Promise<Tensor> {
    const key = `${k}|${x.shape.join(",")}|${labels ? "l" : ""}`;
    let need = this.needs.get(key);
    if (!need) {
      const ctx = Context.measure({ train: false });
      const sym = (t: Tensor) => new Tensor(t.shape, t.dtype, null);
      const players = Object.fromEntries(Object.entries(this.model.players).map(([name, p]) => [name, symbolicTree(p)]));
      this.model.logWeights(players, { x: sym(x), labels: labels && sym(labels) }, k, ctx);
      need = ctx.used;
      this.needs.set(key, need);
    }
    let fn = this.fns.get(k);
    if (!fn) {
      fn = compile((players: unknown, x: Tensor, labels: Tensor | undefined, noise: Noise) => this.model.logWeights(players as never, { x, labels }, k, Context.eval(noise)), {
        name: `${this.model.family}.logWeights${k}`,
        backend: this.backend,
      });
      this.fns.set(k, fn);
    }
    return fn(this.model.players, x, labels, Context.sampleNoise(rng, need));
  }

  async dispose(): Promise<void> {
    await Promise.all([...this.fns.values()].map((f) => f.dispose()));
  }
}

const symbolicTree = <T>(tree: T): T => mapTree(tree, (t) => new Tensor(t.shape, t.dtype, null));

/** Chunk sizes summing to k, each at most cap, as equal as possible (at most two distinct sizes). */
export function chunkSizes(k: number, cap: number): number[] {
  const parts = Math.ceil(k / Math.max(1, cap));
  const base = Math.floor(k / parts);
  return Array.from({ length: parts }, (_, i) => base + (i < k % parts ? 1 : 0));
}

function summarize(values: number[], k: number, dims: number, extra: Partial<BoundResult> = {}): BoundResult {
  const n = values.length;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(1, n - 1);
  return { nll: -mean, bound: mean, stderr: Math.sqrt(variance / n), n, k, bitsPerDim: -mean / (dims * Math.LN2), perExample: Float64Array.from(values), ...extra };
}

/** IWAE-k bounds per example over batches of evaluation data. */
export async function iwaeOverBatches(model: GenerativeModel, batches: AsyncIterable<EvalBatch>, opts: BoundOptions = {}): Promise<BoundResult> {
  if (!isLatentVariableModel(model)) {
    throw new Error(`iwae: model '${model.family}' has no importance weights (it is not a latent-variable model with an encoder); use --metric elbo or nll`);
  }
  const k = opts.k ?? 1000;
  if (!(Number.isInteger(k) && k >= 1)) throw new Error(`iwae: k must be a positive integer, got ${k}`);
  const rng = opts.rng ?? new Rng((opts.seed ?? 0) + 1);
  const runner = new LogWeightRunner(model, opts.backend);
  const values: number[] = [];
  let wSum = 0;
  try {
    for await (const b of batches) {
      const bs = b.shape[0];
      const x = tensor(b.x, b.shape);
      const labels = b.labels ? tensor(b.labels, [bs], "int32") : undefined;
      const m = new Float64Array(bs).fill(-Infinity);
      const s = new Float64Array(bs);
      for (const kc of chunkSizes(k, Math.floor((opts.maxRows ?? 5000) / bs))) {
        const w = (await runner.run(kc, x, labels, rng)).values();
        for (let i = 0; i < kc * bs; i++) {
          const j = i % bs;
          const v = w[i];
          wSum += v;
          // streaming log-sum-exp: keep the running maximum m and Σ exp(w − m)
          if (v > m[j]) {
            s[j] = s[j] * Math.exp(m[j] - v) + 1;
            m[j] = v;
          } else s[j] += Math.exp(v - m[j]);
        }
      }
      for (let j = 0; j < bs; j++) values.push(m[j] + Math.log(s[j]) - Math.log(k));
    }
  } finally {
    await runner.dispose();
  }
  const dims = model.dataShape.reduce((a, d) => a * d, 1);
  return summarize(values, k, dims, { elbo: wSum / (values.length * k) });
}

/** Test NLL by the IWAE bound with k importance samples: `eikon eval <run> --metric iwae`. */
export async function iwae(model: GenerativeModel, data: DataSource, opts: BoundOptions = {}): Promise<BoundResult> {
  return iwaeOverBatches(model, evalBatchesOf(model, data, opts), opts);
}

/** The ELBO from the model's `elbo` query, averaged over the data. */
export async function elbo(model: GenerativeModel, data: DataSource, opts: BoundOptions = {}): Promise<BoundResult> {
  return meanOfQuery(model, "elbo", data, opts, 1);
}

/** −log p(x): IWAE-k for latent-variable models, the exact density (logProb query) otherwise. */
export async function nll(model: GenerativeModel, data: DataSource, opts: BoundOptions = {}): Promise<BoundResult> {
  if (isLatentVariableModel(model)) return iwae(model, data, opts);
  if (!model.queries.logProb) throw new Error(`nll: model '${model.family}' has neither importance weights nor a logProb query; use --metric elbo`);
  return meanOfQuery(model, "logProb", data, opts, 0);
}

async function meanOfQuery(model: GenerativeModel, query: "elbo" | "logProb", data: DataSource, opts: BoundOptions, k: number): Promise<BoundResult> {
  if (!model.queries[query]) throw new Error(`${query}: model '${model.family}' has no '${query}' query (it answers: ${Object.keys(model.queries).join(", ")})`);
  const runner = new QueryRunner(model, opts.backend);
  const rng = opts.rng ?? new Rng((opts.seed ?? 0) + 1);
  const values: number[] = [];
  try {
    for await (const b of evalBatchesOf(model, data, opts)) {
      const out = await runner.run(query, { n: b.shape[0], x: tensor(b.x, b.shape), labels: b.labels, rng });
      values.push(...out.values());
    }
  } finally {
    await runner.dispose();
  }
  return summarize(values, k, model.dataShape.reduce((a, d) => a * d, 1));
}
