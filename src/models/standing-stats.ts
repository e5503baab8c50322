// Standing statistics (Brock et al., 2019, "Large Scale GAN Training…", §3.1 and app. C.1; PyTorch's
// torch.optim.swa_utils.update_bn): batch norm's running statistics recomputed for the weights
// that sample, as the plain average of the batch statistics over many draws. Training leaves
// running statistics that lag the weights (momentum 0.1 over weights that kept moving), and an
// EMA of the weights never had statistics of its own; both sample better in evaluation mode with
// statistics of their own.
import { compile, Tensor, type Backend, type Rng } from "../engine/index.js";
import { allocate } from "../engine/dtype.js";
import { Context, mapTensors, namedTensors, type TensorInfo } from "../nn/index.js";
import type { GenerativeModel } from "./model.js";
import { getQuery, QueryRunner, symbolic } from "./query.js";

export interface StandingStatsOptions {
  /** Batches to average over (default 100). */
  batches?: number;
  /** Samples per batch (default 256). */
  batchSize?: number;
  /** Draws the prior samples (and any noise the sampler needs). */
  rng: Rng;
  backend?: Backend;
}

export interface StandingStats<P = unknown> {
  /** The players with the sampling network's running statistics recomputed; nothing else changes. */
  players: P;
  /** Batch-norm layers whose statistics were recomputed (0: the sampler has no batch norm). */
  layers: number;
}

const isBatchCount = (info: TensorInfo) => info.buffer && /(^|\.)num_batches_tracked$/.test(info.name);

/**
 * Recomputes the running statistics of every batch-norm layer that the model's `sample` query
 * runs through: `batches` sample draws in training mode, each layer's statistics the plain mean of
 * its batch means and unbiased batch variances. Layers the sampler does not reach keep theirs.
 * Like PyTorch's update_bn, other training-mode buffer updates on the way (spectral norm's
 * power iteration, if the sampler has it) happen too.
 */
export async function standingStatistics<P>(model: GenerativeModel, opts: StandingStatsOptions): Promise<StandingStats<P>> {
  const batches = opts.batches ?? 100;
  const batchSize = opts.batchSize ?? 256;
  if (!Number.isInteger(batches) || batches < 1) throw new RangeError(`standingStatistics: batches must be a positive integer, got ${batches}`);
  if (!Number.isInteger(batchSize) || batchSize < 2) throw new RangeError(`standingStatistics: batchSize must be an integer ≥ 2 (batch statistics need two samples), got ${batchSize}`);
  const query = getQuery(model, "sample");
  const original = model.players;
  // numBatchesTracked = 0 makes the first batch's statistics replace whatever was there
  let players = mapTensors(original, (t, info) => (isBatchCount(info) ? new Tensor(t.shape, t.dtype, allocate(t.dtype, t.size)) : t));
  const runner = new QueryRunner(model, opts.backend);
  const inputs0 = runner.buildInputs("sample", { n: batchSize, rng: opts.rng });
  const measure = Context.measure({ train: true });
  query.run(symbolic(players) as never, symbolic(inputs0), measure);
  const need = measure.used;
  const update = compile(
    (p: unknown, inputs: Record<string, Tensor>, noise: ReturnType<typeof Context.sampleNoise>) => {
      const ctx = Context.train(noise, { cumulativeStatistics: true });
      query.run(p as never, inputs, ctx);
      return ctx.applyUpdates(p);
    },
    { name: `${model.family}.standingStatistics`, backend: opts.backend },
  );
  try {
    let inputs = inputs0;
    for (let b = 0; b < batches; b++) {
      if (b > 0) inputs = runner.buildInputs("sample", { n: batchSize, rng: opts.rng });
      players = (await update(players, inputs, Context.sampleNoise(opts.rng, need))) as typeof players;
    }
  } finally {
    await update.dispose();
  }
  // layers the sampler never reached: their counters are still 0; give them back their own
  const before = namedTensors(original);
  let layers = 0;
  players = mapTensors(players, (t, info) => {
    if (!isBatchCount(info)) return t;
    if (t.values()[0] > 0) return (layers++, t);
    return before.get(info.name) ?? t;
  });
  return { players: players as P, layers };
}
