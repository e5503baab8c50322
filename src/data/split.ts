// Train/validation split: a seeded random partition of a source's examples into two subset views.
import { Rng } from "../engine/random.js";
import { DataError } from "./errors.js";
import { SubsetSource } from "./memory.js";
import type { DataSource } from "./types.js";

export interface TrainValidationSplit {
  train: SubsetSource;
  validation: SubsetSource;
}

/**
 * Holds out round(n · fraction) random examples (at least 1, leaving at least 1) as the validation set.
 * The same seed always gives the same split; each subset keeps dataset order (ascending indices).
 */
export function splitTrainValidation(source: DataSource, fraction: number, seed = 0): TrainValidationSplit {
  if (!(fraction > 0 && fraction < 1)) throw new DataError(`splitTrainValidation: fraction must be in (0, 1), got ${fraction}`);
  if (source.n < 2) throw new DataError(`${source.name}: ${source.n} example(s) cannot be split into train and validation sets`);
  const nVal = Math.min(source.n - 1, Math.max(1, Math.round(source.n * fraction)));
  const perm = new Rng(seed).permutation(source.n);
  const validation = perm.slice(0, nVal).sort();
  const train = perm.slice(nVal).sort();
  return {
    train: new SubsetSource(source, train, `${source.name}[train]`),
    validation: new SubsetSource(source, validation, `${source.name}[validation]`),
  };
}

/** A view of the given examples of a source. */
export function subset(source: DataSource, indices: Int32Array | readonly number[], name?: string): SubsetSource {
  return new SubsetSource(source, Int32Array.from(indices), name);
}
