// The model registry: the CLI, trainer and studio find every family here by name.
import type { ModelFamily } from "./model.js";

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
