// --drs and --drs-percentile for `eikon sample`: discriminator rejection sampling
// (src/models/rejection-sampling.ts), for GANs whose discriminator estimates a log density ratio.
import { InvalidArgumentError, Option } from "commander";
import type { QueryRunner } from "../models/index.js";
import type { Rng } from "../engine/index.js";
import { UsageError } from "./errors.js";
import type { Output } from "./output.js";

export const drsOption = () =>
  new Option("--drs", "discriminator rejection sampling: keep G's samples with probability set by D's estimate of p_data/p_G (GANs trained with the ns or minimax loss)");

export const drsPercentileOption = () =>
  new Option("--drs-percentile <p>", "with --drs: γ at this percentile of the burn-in scores, e.g. 0.95 (accepts more, less exactly); 'exact': γ = 0, plain rejection sampling")
    .default("exact")
    .argParser((value: string): number | "exact" => {
      // (commander turns a parser's null into "", so exactness is the string itself)
      if (value.trim() === "exact") return "exact";
      const p = Number(value);
      if (value.trim() === "" || !(p >= 0 && p < 1)) throw new InvalidArgumentError("expected a number in [0, 1) or 'exact'.");
      return p;
    });

/** n samples by discriminator rejection sampling, with a line on stderr saying how many candidates it took. */
export async function drsSamples(io: Output, runner: QueryRunner, n: number, percentileFlag: number | "exact", rng: Rng, temperature?: number): Promise<Float32Array> {
  const percentile = percentileFlag === "exact" ? null : percentileFlag;
  const { discriminatorRejectionSampling, rejectionSamplingProblem } = await import("../models/index.js");
  const why = rejectionSamplingProblem(runner);
  if (why) throw new UsageError(`--drs: ${why}`);
  // a line every 10 s on long runs (exact rejection keeps a few percent of its candidates)
  let last = Date.now();
  const onProgress = (accepted: number, candidates: number) => {
    if (Date.now() - last < 10_000) return;
    last = Date.now();
    io.err(`discriminator rejection sampling: ${accepted}/${n} accepted of ${candidates} candidates\n`);
  };
  const r = await discriminatorRejectionSampling(runner, n, { rng, percentile, temperature, onProgress });
  io.err(`discriminator rejection sampling: ${n} of ${r.candidates} candidates accepted (${((100 * n) / r.candidates).toFixed(1)} %; γ ${r.gamma.toFixed(3)}, max logit ${r.logitMax.toFixed(3)})\n`);
  return r.samples;
}

