// Evaluation data as the model sees it: fixed order, the model's dataTransform (e.g. a dynamic
// binarization drawn once from a seeded stream), optionally the first n examples only.
import { BatchIterator, type DataSource, type TransformLike } from "../data/index.js";
import { dataTransforms, type GenerativeModel } from "../models/index.js";

export interface EvalBatch {
  x: Float32Array;
  shape: number[];
  labels?: Int32Array;
}

export interface EvalDataOptions {
  batchSize?: number;
  /** Use the first n examples (default: all). */
  n?: number;
  /** Seeds the data transforms' randomness (default 0). */
  seed?: number;
  /** Replaces the transforms derived from model.dataTransform. */
  transforms?: readonly TransformLike[];
}

export async function* evalBatchesOf(model: GenerativeModel, data: DataSource, opts: EvalDataOptions = {}): AsyncGenerator<EvalBatch> {
  const total = Math.min(data.n, opts.n ?? data.n);
  if (total <= 0) throw new Error(`${data.name}: no examples to evaluate`);
  const it = new BatchIterator(data, {
    batchSize: Math.min(opts.batchSize ?? 100, total),
    shuffle: false,
    seed: opts.seed ?? 0,
    transforms: opts.transforms ?? dataTransforms(model.dataTransform),
  });
  let seen = 0;
  while (seen < total) {
    const b = await it.next();
    const m = Math.min(b.shape[0], total - seen);
    const per = b.x.length / b.shape[0];
    yield { x: m === b.shape[0] ? b.x : b.x.slice(0, m * per), shape: [m, ...b.shape.slice(1)], labels: b.labels?.slice(0, m) };
    seen += m;
  }
}
