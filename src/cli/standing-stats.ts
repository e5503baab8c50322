// --standing-stats <batches> for `eikon sample` and `eikon eval <run>`: recompute the sampler's
// batch-norm running statistics for the weights that sample (src/models/standing-stats.ts) before
// drawing. Helps most for an EMA generator, whose averaged weights never had statistics of their own.
import { Option } from "commander";
import type { GenerativeModel } from "../models/index.js";
import { UsageError } from "./errors.js";
import type { Output } from "./output.js";
import { positiveInt } from "./parse.js";

export const standingStatsOption = () =>
  new Option(
    "--standing-stats <batches>",
    "recompute the sampler's batch-norm running statistics over this many batches of 256 draws before sampling (for an EMA generator: statistics of the averaged weights)",
  ).argParser(positiveInt);

/** Replaces the model's players by ones with standing statistics; a model without batch norm in its sampler is a usage error. */
export async function applyStandingStats(io: Output, model: GenerativeModel, batches: number | undefined, seed: number): Promise<void> {
  if (batches === undefined) return;
  const { standingStatistics } = await import("../models/index.js");
  const { Rng } = await import("../engine/index.js");
  if (!model.queries.sample) throw new UsageError(`--standing-stats: model '${model.family}' has no 'sample' query`);
  // the statistics' own draws come from a stream apart from the samples' (seed + 1000003)
  const r = await standingStatistics(model, { batches, batchSize: 256, rng: new Rng(seed + 1000003) });
  if (r.layers === 0) throw new UsageError(`--standing-stats: model '${model.family}' samples without batch norm; there are no running statistics to recompute`);
  model.players = r.players as GenerativeModel["players"];
  io.err(`standing statistics: ${r.layers} batch-norm layer${r.layers === 1 ? "" : "s"} recomputed over ${batches} × 256 draws\n`);
}
