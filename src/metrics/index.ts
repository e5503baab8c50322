// Metrics: likelihood bounds (ELBO, IWAE-k, NLL), pictures (reconstructions, samples, latent
// interpolations), VAE latent diagnostics and the amortization gap. Importing this module also
// registers iwae, nll (latent-variable models), active-units and amortization-gap for `eikon eval`.
import "./register.js";
import "./gan/index.js";
export { registerMetric, findMetric, listMetrics, computeMetric, meanOverData, evalBatches, MetricError } from "./registry.js";
export type { MetricContext, MetricDef, MetricResult } from "./registry.js";
export { iwae, elbo, nll, iwaeOverBatches, chunkSizes } from "./bounds.js";
export type { BoundOptions, BoundResult } from "./bounds.js";
export { evalBatchesOf } from "./batches.js";
export type { EvalBatch, EvalDataOptions } from "./batches.js";
export { reconstructions, samples, interpolations } from "./images.js";
export type { Pictures, ImageOptions, InterpolationOptions } from "./images.js";
export { latentDiagnostics, amortizationGap } from "./latent.js";
export type { LatentDiagnostics, AmortizationGap, AmortizationGapOptions } from "./latent.js";
