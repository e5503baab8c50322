// `models.gan.create(config)`: a GAN of the public API, built as the CLI builds it.
import type { GenerativeModel } from "../model.js";
import { createModel, type CreateOptions } from "../registry.js";
import type { GanConfig } from "./config.js";
import { GAN_FAMILIES } from "./family.js";

export type GanFamilyName = "gan-toy" | "gan-mnist" | "dcgan";

/**
 * A GAN from a partial config over the chosen family's reference configuration: `family` "gan-mnist"
 * (fully connected, the default), "dcgan" or "gan-toy" — as `eikon train <family>`. Initialization is
 * seeded by `opts.seed` (default 0) or drawn from `opts.rng`.
 */
export function create(config: Partial<GanConfig> = {}, opts: CreateOptions & { family?: GanFamilyName } = {}): GenerativeModel {
  const name = opts.family ?? "gan-mnist";
  const family = GAN_FAMILIES.find((f) => f.name === name);
  if (!family) throw new Error(`gan: unknown family '${name}'; use ${GAN_FAMILIES.map((f) => f.name).join(", ")}`);
  return createModel(family, config, opts);
}
