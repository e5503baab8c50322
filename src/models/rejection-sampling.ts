// Discriminator rejection sampling (Azadi et al., 2019, "Discriminator Rejection Sampling", ICLR):
// a GAN's discriminator logit D̃(x) estimates log p_data(x) − log p_G(x) (the optimum of the ns and
// minimax losses), so accepting a generator sample with probability exp(D̃(x) − D̃_M), D̃_M the
// largest logit, is rejection sampling from p_data as far as D is right. As in the paper, D̃_M is
// estimated on burn-in draws and raised when a larger logit turns up, and acceptance is
// σ(F(x)) with F(x) = D̃(x) − D̃_M − log(1 − exp(D̃(x) − D̃_M − ε)) − γ: γ = 0 gives exactly
// exp(D̃ − D̃_M − ε) (the default); γ set to a percentile of F on the burn-in draws accepts more (the
// percentile's own F gets ½), trading exactness for fewer candidates.
import { Tensor, type Rng } from "../engine/index.js";
import { drawSamples } from "./draw-samples.js";
import type { QueryRunner } from "./query.js";

export interface RejectionOptions {
  rng: Rng;
  /**
   * γ as this percentile (in [0, 1)) of F on the burn-in draws, accepting more at the price of
   * exactness; null (the default): γ = 0, exact rejection sampling against D̃_M. On 5-epoch DCGANs
   * exact gave lower FID than 0.95 on all five checkpoints tried and ≥ 9 of 10 digits on all five
   * (0.95: three), at 3–4 % acceptance against 12–23 % (docs/gan-toy-results.md).
   */
  percentile?: number | null;
  /** Candidates drawn to estimate D̃_M (and γ) before sampling (default 10000). */
  burnIn?: number;
  /** Candidates per round (default 500). */
  chunk?: number;
  /** Stop with an error after this many candidates (default 1000 · n + burn-in). */
  maxCandidates?: number;
  temperature?: number;
  /** Called after each round with the accepted and drawn counts. */
  onProgress?: (accepted: number, candidates: number) => void;
}

export interface RejectionResult {
  /** The accepted samples, n × dataShape, in the model's space (as the sample query returns them). */
  samples: Float32Array;
  /** Candidates drawn after burn-in to accept n. */
  candidates: number;
  /** D̃_M at the end (the largest logit seen). */
  logitMax: number;
  gamma: number;
}

const EPS = 1e-6;

/** F(x) before γ: a − log(1 − exp(a − ε)) for a = D̃(x) − D̃_M ≤ 0 (σ(F) = exp(a − ε) when γ = 0). */
const score = (a: number) => a - Math.log1p(-Math.exp(Math.min(a, 0) - EPS));

/** Checks that the model can be sampled this way; the reason it cannot, or null. */
export function rejectionSamplingProblem(runner: QueryRunner): string | null {
  const q = runner.model.queries;
  if (!q.sample) return `model '${runner.model.family}' has no 'sample' query`;
  if (!q.energy) return `model '${runner.model.family}' has no discriminator ('energy' query) to weigh its samples`;
  if (!q.energy.logDensityRatio) return `the energy of model '${runner.model.family}' is not a log density ratio (only a GAN trained with the ns or minimax loss has one: an LSGAN's or WGAN's critic is not)`;
  return null;
}

export async function discriminatorRejectionSampling(runner: QueryRunner, n: number, opts: RejectionOptions): Promise<RejectionResult> {
  const why = rejectionSamplingProblem(runner);
  if (why) throw new Error(`discriminator rejection sampling: ${why}`);
  const percentile = opts.percentile === undefined ? null : opts.percentile;
  if (percentile !== null && !(percentile >= 0 && percentile < 1)) throw new RangeError(`discriminator rejection sampling: percentile must be in [0, 1), got ${percentile}`);
  const burnIn = opts.burnIn ?? 10000;
  const chunk = opts.chunk ?? 500;
  if (!(Number.isInteger(n) && n >= 1)) throw new RangeError(`discriminator rejection sampling: n must be a positive integer, got ${n}`);
  if (!(Number.isInteger(burnIn) && burnIn >= 1)) throw new RangeError(`discriminator rejection sampling: burnIn must be a positive integer, got ${burnIn}`);
  const maxCandidates = opts.maxCandidates ?? 1000 * n + burnIn;
  const model = runner.model;
  const per = model.dataShape.reduce((a, b) => a * b, 1);

  const logits = async (x: Float32Array, m: number): Promise<Float32Array> => {
    const e = await runner.run("energy", { n: m, rng: opts.rng, x: new Tensor([m, ...model.dataShape], "float32", x) });
    const v = e.values() as Float32Array;
    if (v.length !== m) throw new Error(`model '${model.family}': the energy query returned ${v.length} values for ${m} examples`);
    return v.map((u) => -u);
  };

  // burn-in: D̃_M and γ from draws that are not themselves kept
  const seen: number[] = [];
  for (let at = 0; at < burnIn; at += chunk) {
    const m = Math.min(chunk, burnIn - at);
    const x = await drawSamples(runner, m, { rng: opts.rng, temperature: opts.temperature, chunk: m });
    for (const l of await logits(x, m)) seen.push(l);
  }
  let logitMax = seen.reduce((a, b) => Math.max(a, b), -Infinity);
  let gamma = 0;
  if (percentile !== null) {
    const f = seen.map((l) => score(l - logitMax)).sort((a, b) => a - b);
    gamma = f[Math.min(f.length - 1, Math.floor(percentile * f.length))];
  }

  const out = new Float32Array(n * per);
  let accepted = 0;
  let candidates = 0;
  while (accepted < n) {
    if (candidates >= maxCandidates) {
      throw new Error(`discriminator rejection sampling accepted ${accepted} of ${n} after ${candidates} candidates; a percentile of the burn-in scores as γ accepts more (e.g. 0.95; lower accepts more still), trading exactness for acceptance`);
    }
    const x = await drawSamples(runner, chunk, { rng: opts.rng, temperature: opts.temperature, chunk });
    const ls = await logits(x, chunk);
    candidates += chunk;
    for (let i = 0; i < chunk && accepted < n; i++) {
      logitMax = Math.max(logitMax, ls[i]);
      const f = score(ls[i] - logitMax) - gamma;
      if (opts.rng.uniform() < 1 / (1 + Math.exp(-f))) out.set(x.subarray(i * per, (i + 1) * per), per * accepted++);
    }
    opts.onProgress?.(accepted, candidates);
  }
  return { samples: out, candidates, logitMax, gamma };
}
