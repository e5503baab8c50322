// eikon sample <run> --n 64 --out grid.png [--temperature t] [--seed n] [--npy file] [--standing-stats b] [--drs]: from the run directory alone.
import { Command, InvalidArgumentError } from "commander";
import { UsageError } from "./errors.js";
import { modelsLayer, trainLayer } from "./lazy.js";
import type { Output } from "./output.js";
import { integer, positiveInt, positiveNumber } from "./parse.js";
import { applyStandingStats, standingStatsOption } from "./standing-stats.js";
import { drsOption, drsPercentileOption, drsSamples } from "./drs.js";

interface SampleFlags {
  n: number;
  out?: string;
  npy?: string;
  temperature?: number;
  seed: number;
  checkpoint: string;
  standingStats?: number;
  drs?: boolean;
  drsPercentile: number | "exact";
}

const pathWith = (ext: string) => (value: string) => {
  if (!value.toLowerCase().endsWith(ext)) throw new InvalidArgumentError(`expected a ${ext} file name.`);
  return value;
};

export function sampleCommand(io: Output): Command {
  return new Command("sample")
    .description("draw samples from a trained run: a PNG grid (images) or scatter plot (2-D points), and/or a .npy array")
    .argument("<run>", "run directory written by `eikon train`")
    .option("--n <count>", "number of samples", positiveInt, 64)
    .option("--out <file.png>", "picture of the samples (default samples.png unless only --npy is given)", pathWith(".png"))
    .option("--npy <file.npy>", "also save the samples as a NumPy array [n, ...data shape], in data space", pathWith(".npy"))
    .option("--temperature <t>", "scale of the prior noise (1: the model's distribution)", positiveNumber)
    .option("--seed <n>", "seed of the noise", integer, 0)
    .option("--checkpoint <which>", "latest, best, or a checkpoint file", "latest")
    .addOption(standingStatsOption())
    .addOption(drsOption())
    .addOption(drsPercentileOption())
    .action(async (run: string, flags: SampleFlags, cmd: Command) => {
      if (!flags.drs && cmd.getOptionValueSource("drsPercentile") === "cli") throw new UsageError("--drs-percentile applies to discriminator rejection sampling; add --drs");
      await modelsLayer();
      const { drawSamples, loadRun, pictureKind, QueryRunner, savePicture, toDisplayRange } = await trainLayer();
      const { Rng } = await import("../engine/index.js");
      const { saveNpy } = await import("../io/index.js");
      const { model, checkpoint } = await loadRun(run, flags.checkpoint);
      if (!model.queries.sample) throw new UsageError(`model '${model.family}' cannot sample (it has no 'sample' query; it answers: ${Object.keys(model.queries).join(", ")})`);
      const out = flags.out ?? (flags.npy ? undefined : "samples.png");
      if (out && pictureKind(model.dataShape) === null) {
        throw new UsageError(`samples of shape [${model.dataShape.join(", ")}] cannot be drawn as a picture; pass --npy <file> to save them as an array`);
      }
      await applyStandingStats(io, model, flags.standingStats, flags.seed);
      const runner = new QueryRunner(model);
      try {
        const rng = new Rng(flags.seed);
        const samples = flags.drs
          ? await drsSamples(io, runner, flags.n, flags.drsPercentile, rng, flags.temperature)
          : await drawSamples(runner, flags.n, { rng, temperature: flags.temperature });
        if (flags.npy) {
          await saveNpy(flags.npy, toDisplayRange(model.dataTransform, samples), [flags.n, ...model.dataShape]);
          io.out(`wrote ${flags.n} samples to ${flags.npy}\n`);
        }
        if (out) {
          await savePicture(out, model, samples, flags.n);
          io.out(`wrote ${flags.n} samples to ${out} (step ${checkpoint.state.step})\n`);
        }
      } finally {
        await runner.dispose();
      }
    });
}
