// VAE latent-space diagnostics over a whole data set, and the amortization gap:
//   active units (Burda et al., 2016): A_u = Cov_x(E_q[z_u|x]) > 0.01, counted over the data
//   per-dimension KL: the data average of KL(q(z_u|x) ‖ N(0,1)) for each latent dimension u
//   amortization gap (Cremer et al., 2018): ELBO with per-example optimized posteriors minus the
//   encoder's ELBO, on the same examples and the same decoder
import { Rng, compile, tensor, type Backend, type Tensor } from "../engine/index.js";
import type { DataSource } from "../data/index.js";
import { Context } from "../nn/index.js";
import type { GenerativeModel } from "../models/index.js";
import { ACTIVE_UNIT_THRESHOLD, fitLocalPosterior, isVaeModel, labelCode, posterior, type VaeModel, type VaeNet } from "../models/vae/index.js";
import { evalBatchesOf, type EvalDataOptions } from "./batches.js";

function requireVae(m: GenerativeModel, what: string): VaeModel {
  if (!isVaeModel(m)) throw new Error(`${what}: model '${m.family}' is not a VAE (needs an amortized Gaussian posterior q(z|x))`);
  return m;
}

export interface LatentDiagnostics {
  activeUnits: number;
  /** Cov_x(μ_u) per dimension. */
  meanVariance: Float64Array;
  /** Data-average KL per dimension (nats). */
  perDimKl: Float64Array;
  n: number;
}

export async function latentDiagnostics(model: GenerativeModel, data: DataSource, opts: EvalDataOptions & { backend?: Backend; threshold?: number } = {}): Promise<LatentDiagnostics> {
  const vae = requireVae(model, "latentDiagnostics");
  const c = vae.config;
  const fn = compile((net: VaeNet, x: Tensor, labels: Tensor | undefined) => {
    const q = posterior(c, net, x, labelCode(c, labels, x.shape[0]), Context.eval());
    return { mu: q.loc, kl: q.klToStandard() };
  }, { name: `${model.family}.posterior`, backend: opts.backend });
  const L = c.latent;
  const sum = new Float64Array(L), sumSq = new Float64Array(L), kl = new Float64Array(L);
  let n = 0;
  try {
    for await (const b of evalBatchesOf(model, data, opts)) {
      const r = await fn(vae.players.model, tensor(b.x, b.shape), b.labels ? tensor(b.labels, [b.shape[0]], "int32") : undefined);
      const mu = r.mu.values(), k = r.kl.values();
      for (let i = 0; i < b.shape[0]; i++) {
        for (let u = 0; u < L; u++) {
          const v = mu[i * L + u];
          sum[u] += v;
          sumSq[u] += v * v;
          kl[u] += k[i * L + u];
        }
      }
      n += b.shape[0];
    }
  } finally {
    await fn.dispose();
  }
  const meanVariance = sum.map((s, u) => Math.max(0, sumSq[u] / n - (s / n) ** 2));
  const threshold = opts.threshold ?? ACTIVE_UNIT_THRESHOLD;
  return { activeUnits: meanVariance.filter((v) => v > threshold).length, meanVariance, perDimKl: kl.map((v) => v / n), n };
}

export interface AmortizationGapOptions extends EvalDataOptions {
  /** Adam steps per batch of local posteriors (default 300). */
  steps?: number;
  lr?: number;
  /** z draws per example of the final ELBO estimates (default 100). */
  evalSamples?: number;
}

export interface AmortizationGap {
  /** Mean ELBO with the encoder's posteriors. */
  amortizedElbo: number;
  /** Mean ELBO with per-example optimized posteriors. */
  optimizedElbo: number;
  /** optimizedElbo − amortizedElbo, nats per example. */
  gap: number;
  stderr: number;
  n: number;
}

/** The amortization gap on the first n examples (default 200) of the data. */
export async function amortizationGap(model: GenerativeModel, data: DataSource, opts: AmortizationGapOptions = {}): Promise<AmortizationGap> {
  const vae = requireVae(model, "amortizationGap");
  const rng = new Rng((opts.seed ?? 0) + 1);
  const diffs: number[] = [];
  let am = 0, opt = 0;
  for await (const b of evalBatchesOf(model, data, { ...opts, n: opts.n ?? 200 })) {
    const labels = b.labels ? tensor(b.labels, [b.shape[0]], "int32") : undefined;
    const r = await fitLocalPosterior(vae, tensor(b.x, b.shape), labels, { steps: opts.steps, lr: opts.lr, evalSamples: opts.evalSamples, rng });
    for (let i = 0; i < r.elbo.length; i++) {
      diffs.push(r.elbo[i] - r.amortizedElbo[i]);
      am += r.amortizedElbo[i];
      opt += r.elbo[i];
    }
  }
  const n = diffs.length;
  const gap = diffs.reduce((s, v) => s + v, 0) / n;
  const variance = diffs.reduce((s, v) => s + (v - gap) ** 2, 0) / Math.max(1, n - 1);
  return { amortizedElbo: am / n, optimizedElbo: opt / n, gap, stderr: Math.sqrt(variance / n), n };
}
