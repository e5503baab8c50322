// `models.vae.create(config)`: the VAE of the public API (DESIGN.md §3), built as the CLI builds it.
import type { GenerativeModel } from "../model.js";
import { createModel, type CreateOptions } from "../registry.js";
import type { VaeConfig } from "./config.js";
import { cvaeFamily, vaeFamily } from "./family.js";

/**
 * A VAE from a partial config over VAE_DEFAULTS (vae-mlp: 784-512-256-(2×32), Bernoulli), e.g.
 * `create({ latent: 32, hidden: [512, 256], likelihood: "bernoulli" })`; the conditional VAE when
 * `numClasses` > 0. Initialization is seeded by `opts.seed` (default 0) or drawn from `opts.rng`.
 */
export function create(config: Partial<VaeConfig> = {}, opts: CreateOptions = {}): GenerativeModel {
  return createModel((config.numClasses ?? 0) > 0 ? cvaeFamily : vaeFamily, config, opts);
}
