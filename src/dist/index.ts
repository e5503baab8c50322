// Probability distributions: log-densities, (reparameterized) samples with host-supplied noise,
// entropies and analytic KL divergences, all elementwise and traceable.
export type { Distribution, NoiseSource } from "./noise.js";
export { Normal } from "./normal.js";
export { Bernoulli } from "./bernoulli.js";
export { Categorical } from "./categorical.js";
export { kl } from "./kl.js";
export { HostNoise } from "./host-noise.js";
