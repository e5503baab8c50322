// This layer's metrics in the trainer's registry, so `eikon eval <run> --metric <name>` finds them:
//   iwae              IWAE-k bound as test NLL (k = --k)
//   nll               extended: latent-variable models answer with IWAE-k (their logProb query is only
//                     a bound with a fixed k); every other model as before (exact −log p(x))
//   active-units      VAE active units and per-dimension KL over the data
//   amortization-gap  optimized-minus-amortized ELBO on the first n examples (default 200)
import { findMetric, evalBatches, registerMetric, type MetricContext, type MetricResult } from "./registry.js";
import { isLatentVariableModel } from "../models/vae/latent.js";
import { isVaeModel } from "../models/vae/index.js";
import { iwaeOverBatches, type BoundResult } from "./bounds.js";
import { amortizationGap, latentDiagnostics } from "./latent.js";

async function iwaeMetric(ctx: MetricContext): Promise<MetricResult> {
  const r: BoundResult = await iwaeOverBatches(ctx.model, evalBatches(ctx), { k: ctx.k, seed: ctx.seed, backend: ctx.backend });
  return { value: r.nll, unit: "nats/example", stderr: r.stderr, n: r.n, details: { k: r.k, bitsPerDim: r.bitsPerDim, iwaeBound: r.bound, elboSameDraws: r.elbo ?? NaN } };
}

const notLatent = (model: MetricContext["model"]) =>
  isLatentVariableModel(model) ? null : `it has no importance weights (not a latent-variable model with an encoder)${model.queries.logProb ? "; use --metric nll" : ""}`;

registerMetric({
  name: "iwae",
  description: "negative IWAE bound with k importance samples (--k; 1000 is the usual test NLL), nats/example, lower is better",
  needsData: true,
  unsupported: notLatent,
  compute: iwaeMetric,
});

const baseNll = findMetric("nll");
registerMetric({
  ...baseNll,
  description: `${baseNll.description}; for latent-variable models (VAEs) the IWAE-k estimate (--k)`,
  unsupported: (model, c) => (isLatentVariableModel(model) ? null : baseNll.unsupported?.(model, c) ?? null),
  compute: (ctx) => (isLatentVariableModel(ctx.model) ? iwaeMetric(ctx) : baseNll.compute(ctx)),
});

const notVae = (model: MetricContext["model"]) => (isVaeModel(model) ? null : "it is not a VAE (needs an amortized Gaussian posterior)");

registerMetric({
  name: "active-units",
  description: "VAE latent dimensions in use, Cov_x(E_q[z_u|x]) > 0.01 (Burda et al., 2016); details: per-dimension KL",
  needsData: true,
  unsupported: notVae,
  async compute(ctx) {
    const r = await latentDiagnostics(ctx.model, ctx.data!, { n: ctx.n, batchSize: ctx.batchSize, seed: ctx.seed, backend: ctx.backend });
    const details: Record<string, number> = { latent: r.perDimKl.length };
    r.perDimKl.forEach((v, u) => (details[`kl_dim_${u}`] = v));
    return { value: r.activeUnits, unit: `of ${r.perDimKl.length} units`, n: r.n, details };
  },
});

registerMetric({
  name: "amortization-gap",
  description: "ELBO of per-example optimized posteriors minus the encoder's, same decoder (Cremer et al., 2018), nats/example; first n examples (default 200)",
  needsData: true,
  unsupported: notVae,
  async compute(ctx) {
    const r = await amortizationGap(ctx.model, ctx.data!, { n: ctx.n ?? 200, batchSize: ctx.batchSize, seed: ctx.seed });
    return { value: r.gap, unit: "nats/example", stderr: r.stderr, n: r.n, details: { amortizedElbo: r.amortizedElbo, optimizedElbo: r.optimizedElbo } };
  },
});
