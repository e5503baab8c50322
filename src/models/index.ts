// Every model family, registered on import, and the helpers that run a model's queries.
export * from "./model.js";
export { registerFamily, listFamilies, findFamily, createModel } from "./registry.js";
export type { CreateOptions } from "./registry.js";
export { QueryRunner, QueryError, getQuery, symbolic } from "./query.js";
export type { QueryCall } from "./query.js";
export { drawSamples } from "./draw-samples.js";
export { standingStatistics } from "./standing-stats.js";
export type { StandingStats, StandingStatsOptions } from "./standing-stats.js";
export { discriminatorRejectionSampling, rejectionSamplingProblem } from "./rejection-sampling.js";
export type { RejectionOptions, RejectionResult } from "./rejection-sampling.js";
export { dataTransforms, toDisplayRange, DATA_TRANSFORM_STEPS } from "./data-transform.js";
import "./autoencoder/index.js";
import "./vae/index.js";
import "./gan/index.js";
// Each family as a namespace (DESIGN.md §3): models.vae.create(config), models.gan.create(config, { family }), …
export * as autoencoder from "./autoencoder/index.js";
export * as vae from "./vae/index.js";
export * as gan from "./gan/index.js";
