// The contracts of the data layer: what a source provides, what a batch is, what a transform does.
import type { Rng } from "../engine/random.js";

/** Anything the batcher can draw from. */
export interface DataSource {
  readonly name: string;
  /** Number of examples. */
  readonly n: number;
  /** Shape of one example, e.g. [1, 28, 28] (C,H,W) for images or [2] for toy data. */
  readonly exampleShape: readonly number[];
  /** Number of classes, when the source has labels. */
  readonly numClasses?: number;
  /** Class names (index → name), when known. */
  readonly classNames?: readonly string[];
  /**
   * Fills `out` (indices.length * prod(exampleShape) floats, row-major) and `labels`
   * (if given and the source has labels). Images come out as float32 in [0,1], NCHW.
   */
  read(indices: Int32Array, out: Float32Array, labels?: Int32Array): void | Promise<void>;
}

/** A source whose read() is synchronous (everything held in memory). */
export interface SyncDataSource extends DataSource {
  read(indices: Int32Array, out: Float32Array, labels?: Int32Array): void;
}

export interface Batch {
  /** Examples, row-major with `shape` = [batch, ...exampleShape]. */
  x: Float32Array;
  shape: number[];
  /** Integer class labels, when the source has them. */
  labels?: Int32Array;
  /** Dataset indices of the examples in this batch. */
  indices: Int32Array;
  /** One-hot labels [batch, numClasses], set by the oneHot transform. */
  oneHot?: Float32Array;
  /**
   * Per-example log|det ∂y/∂x| summed over the density-changing transforms applied so far
   * (e.g. the logit transform): log p_data(x) = log p_model(y) + logDet.
   */
  logDet?: Float64Array;
}

/** A batch transform, applied in order with the iterator's own Rng. It may modify the batch in place. */
export interface Transform {
  readonly name: string;
  apply(batch: Batch, rng: Rng): Batch;
}

/** Transforms can also be given as plain functions. */
export type TransformLike = Transform | ((batch: Batch, rng: Rng) => Batch);

/** Number of floats in one example. */
export function exampleSize(shape: readonly number[]): number {
  let s = 1;
  for (const d of shape) s *= d;
  return s;
}
