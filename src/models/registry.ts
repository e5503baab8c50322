// The model registry: the CLI, trainer and studio find every family here by name.
import { Rng } from "../engine/index.js";
import type { GenerativeModel, ModelFamily } from "./model.js";

const families = new Map<string, ModelFamily>();

export function registerFamily(f: ModelFamily): void {
  families.set(f.name, f);
}

export function listFamilies(): ModelFamily[] {
  return [...families.values()];
}

/** The family registered under `name`, or an error listing the valid names. */
export function findFamily(name: string): ModelFamily {
  const f = families.get(name);
  if (!f) {
    const known = [...families.keys()].sort();
    throw new Error(`unknown model '${name}'; known models: ${known.length ? known.join(", ") : "(none registered)"}`);
  }
  return f;
}

/** How a model's parameters are initialized when it is created from a config. */
export interface CreateOptions {
  /** Seeds the initialization (default 0), as `eikon train --seed` does. */
  seed?: number;
  /** Draws the initialization from this stream instead (takes precedence over seed). */
  rng?: Rng;
}

/**
 * A model of the family (given, or found by name) built from a partial config over the family's
 * defaults, exactly as `eikon train <family>` and loadRun build it: family.create(config, new Rng(seed)).
 */
export function createModel<C extends Record<string, unknown>>(
  family: ModelFamily<C> | string,
  config: Partial<C> = {},
  opts: CreateOptions = {},
): GenerativeModel {
  const f = (typeof family === "string" ? findFamily(family) : family) as ModelFamily<C>;
  return f.create(config, opts.rng ?? new Rng(opts.seed ?? 0));
}
