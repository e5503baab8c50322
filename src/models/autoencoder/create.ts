// `models.autoencoder.create(config)`: the autoencoder of the public API, built as the CLI builds it.
import type { GenerativeModel } from "../model.js";
import { createModel, type CreateOptions } from "../registry.js";
import type { AeConfig } from "./config.js";
import { autoencoderFamily, denoisingAutoencoderFamily, sparseAutoencoderFamily } from "./family.js";

const FAMILIES = { autoencoder: autoencoderFamily, sparse: sparseAutoencoderFamily, denoising: denoisingAutoencoderFamily };

/**
 * An autoencoder from a partial config over the chosen family's defaults: `kind` "autoencoder"
 * (bottleneck, the default), "sparse" or "denoising" — the families `eikon train autoencoder`,
 * `sparse-autoencoder` and `denoising-autoencoder`. Initialization is seeded by `opts.seed` (default 0)
 * or drawn from `opts.rng`.
 */
export function create(config: Partial<AeConfig> = {}, opts: CreateOptions & { kind?: keyof typeof FAMILIES } = {}): GenerativeModel {
  const family = FAMILIES[opts.kind ?? "autoencoder"];
  if (!family) throw new Error(`autoencoder: unknown kind '${opts.kind}'; use ${Object.keys(FAMILIES).join(", ")}`);
  return createModel(family, config, opts);
}
