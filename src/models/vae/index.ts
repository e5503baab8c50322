// The VAE and CVAE families (registered on import), their building blocks and non-amortized VI.
export { vaeFamily, cvaeFamily, createVae, isVaeModel, VAE_RECIPE, CVAE_DEFAULTS } from "./family.js";
export type { VaeModel, VaePlayers } from "./family.js";
export { VAE_DEFAULTS, resolveVaeConfig, ESTIMATORS } from "./config.js";
export type { VaeConfig, Estimator } from "./config.js";
export { VaeNet, posterior, observation, logWeights, logMeanExp, labelCode } from "./net.js";
export { LikelihoodHead, LIKELIHOODS, LEVELS } from "./likelihood.js";
export type { LikelihoodKind, PixelDistribution } from "./likelihood.js";
export { klWeight, klWeightAt, KL_SCHEDULES } from "./schedule.js";
export type { KlSchedule, KlScheduleKind } from "./schedule.js";
export { vaeLoss, latentDiagnostics, ACTIVE_UNIT_THRESHOLD } from "./loss.js";
export { isLatentVariableModel } from "./latent.js";
export type { LatentVariableModel } from "./latent.js";
export { fitLocalPosterior } from "./local-vi.js";
export type { LocalViOptions, LocalViResult } from "./local-vi.js";
export { create } from "./create.js";
