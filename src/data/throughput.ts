// Measures how fast the pipeline produces batches (it must never be what a training loop waits on).
// Run directly for the MNIST figure: node --import tsx src/data/throughput.ts
import { pathToFileURL } from "node:url";
import { BatchIterator } from "./batcher.js";
import { mnist } from "./mnist.js";
import { dynamicBinarize } from "./transforms.js";
import type { DataSource, TransformLike } from "./types.js";

export interface ThroughputOptions {
  batchSize?: number;
  transforms?: readonly TransformLike[];
  /** Batches to time (default 500), after `warmup` untimed ones (default 20). */
  batches?: number;
  warmup?: number;
  seed?: number;
}

export interface ThroughputResult {
  batchesPerSecond: number;
  examplesPerSecond: number;
  batches: number;
  seconds: number;
}

export async function measureThroughput(source: DataSource, options: ThroughputOptions = {}): Promise<ThroughputResult> {
  const batchSize = options.batchSize ?? 128;
  const it = new BatchIterator(source, { batchSize, seed: options.seed ?? 0, transforms: options.transforms ?? [] });
  for (let i = 0; i < (options.warmup ?? 20); i++) await it.next();
  const count = options.batches ?? 500;
  let examples = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < count; i++) examples += (await it.next()).shape[0];
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { batchesPerSecond: count / seconds, examplesPerSecond: examples / seconds, batches: count, seconds };
}

/** MNIST train, batch 128, dynamic binarization. */
export function measureMnistThroughput(batches = 500): Promise<ThroughputResult> {
  return measureThroughput(mnist({ split: "train" }), { batchSize: 128, transforms: [dynamicBinarize()], batches });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await measureMnistThroughput(2000);
  console.log(`MNIST train, batch 128, dynamic binarization: ${r.batchesPerSecond.toFixed(0)} batches/s (${(r.examplesPerSecond / 1e6).toFixed(2)}M examples/s)`);
}
