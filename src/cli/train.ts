// eikon train <model> [--data …] [--config file.json] [--epochs|--steps] [--batch] [--lr] [--seed] [--out] [--resume <run>] [--shards n] [--quiet]
import { existsSync, readFileSync } from "node:fs";
import { Command, Option } from "commander";
import type { ModelFamily } from "../models/index.js";
import type { TrainOptions } from "../train/index.js";
import { asUsage, EXIT_INTERRUPTED, UsageError } from "./errors.js";
import { modelsLayer, trainLayer } from "./lazy.js";
import type { Output } from "./output.js";
import { integer, nonNegativeInt, positiveInt, positiveNumber } from "./parse.js";
import type { CliState } from "./state.js";

interface TrainFlags {
  data?: string;
  subset?: number;
  evalData?: string;
  evalEvery?: number;
  config?: string;
  epochs?: number;
  steps?: number;
  batch?: number;
  lr?: number;
  schedule?: string;
  seed?: number;
  out?: string;
  resume?: string;
  logEvery?: number;
  checkpointEvery?: number;
  keep?: number;
  sampleEvery?: number;
  onNan?: "stop" | "rollback";
  quiet?: boolean;
  shards?: number;
}

/** Flags that a resumed run takes from its config.json instead. */
const FIXED_ON_RESUME = ["data", "subset", "evalData", "evalEvery", "config", "epochs", "batch", "lr", "schedule", "seed", "out", "logEvery", "checkpointEvery", "keep", "sampleEvery"] as const;
const flagName = (k: string) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** The model config from a --config file, checked against the family's reference config. */
export function readModelConfig(file: string, family: ModelFamily): Record<string, unknown> {
  if (!existsSync(file)) throw new UsageError(`config file '${file}' does not exist`);
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new UsageError(`config file '${file}' is not valid JSON: ${(e as Error).message}`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new UsageError(`config file '${file}' must hold a JSON object of model settings`);
  const known = Object.keys(family.defaults);
  const unknown = Object.keys(value).filter((k) => !known.includes(k));
  if (unknown.length) throw new UsageError(`config file '${file}': unknown key${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => `'${k}'`).join(", ")} for model '${family.name}'; valid keys: ${known.join(", ")}`);
  return value as Record<string, unknown>;
}

function timestamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

export function trainCommand(io: Output, state: CliState): Command {
  return new Command("train")
    .description("train a model and write a run directory (config, checkpoints, metrics, samples, report)")
    .argument("[model]", "model family (see `eikon list`); omitted with --resume")
    .option("--data <spec>", "training data, e.g. mnist, toy:8gaussians, idx:<dir> (default: the family's recipe data)")
    .option("--subset <n>", "use only the first n examples", positiveInt)
    .option("--eval-data <spec>", "data for periodic evaluation of the losses, e.g. mnist:test")
    .option("--eval-every <n>", "evaluate every n steps (default: at each checkpoint when --eval-data is given)", nonNegativeInt)
    .option("--config <file>", "model config JSON: keys of the family's reference config to override")
    .addOption(new Option("--epochs <n>", "passes over the data (default: the recipe's)").argParser(positiveNumber).conflicts("steps"))
    .option("--steps <n>", "training steps (instead of --epochs); with --resume, a new total", positiveInt)
    .option("--batch <n>", "batch size (default: the recipe's)", positiveInt)
    .option("--lr <rate>", "learning rate of every optimizer (default: the recipe's)", positiveNumber)
    .option("--schedule <spec>", "learning-rate schedule: constant, cosine, warmup-cosine:<steps>, step:<every>:<gamma>")
    .option("--seed <n>", "seed of initialization, data order and noise (default 0)", integer)
    .option("--out <dir>", "run directory (default: runs/<model>-<timestamp>)")
    .option("--resume <run>", "continue a run from its latest checkpoint, exactly as if it had not stopped")
    .option("--log-every <n>", "metrics.jsonl line every n steps (default 10)", positiveInt)
    .option("--checkpoint-every <n>", "checkpoint every n steps (default: every epoch, at most 1000 steps)", positiveInt)
    .option("--keep <k>", "step checkpoints to keep, besides the best (default 3)", positiveInt)
    .option("--sample-every <n>", "sample picture every n steps (default: at each checkpoint; 0: never)", nonNegativeInt)
    .addOption(new Option("--on-nan <mode>", "on a non-finite loss or gradient: stop, or reload the last checkpoint and halve the learning rate").choices(["stop", "rollback"]))
    .option("--quiet", "no progress output")
    .option("--shards <n>", "split each batch into n shards trained at once in worker threads (data parallel; for models without batch norm or EMA; faster on conv nets, slower on MLPs, whose parameters and gradients are copied to every worker each step)", positiveInt)
    .action(async (modelName: string | undefined, flags: TrainFlags) => {
      const { findFamily } = await modelsLayer();
      const { loadRun, readRunConfig, train } = await trainLayer();
      const { Rng } = await import("../engine/index.js");
      const progress = flags.quiet ? "none" : "auto";
      const controller = new AbortController();
      let interrupts = 0;
      const onSigint = () => {
        interrupts++;
        if (interrupts > 1) process.exit(EXIT_INTERRUPTED);
        io.err("\ninterrupted: finishing the current step and saving a checkpoint (Ctrl-C again to quit at once)\n");
        controller.abort();
      };

      let run: () => ReturnType<typeof train>;
      if (flags.resume !== undefined) {
        const given = FIXED_ON_RESUME.filter((k) => flags[k] !== undefined);
        if (given.length) throw new UsageError(`--resume continues a run with the settings in its config.json; drop ${given.map(flagName).join(", ")} (only --steps, --on-nan, --shards and --quiet may be given)`);
        const cfg = readRunConfig(flags.resume);
        if (modelName !== undefined && modelName !== cfg.family) throw new UsageError(`run '${flags.resume}' trained model '${cfg.family}', not '${modelName}'`);
        if (cfg.data.spec === null) throw new UsageError(`run '${flags.resume}' was trained on data given in code (${cfg.data.name}); resume it from code with train(…, { out, resume: true })`);
        const { model } = await loadRun(flags.resume);
        const evalData = cfg.data.eval?.spec ? { spec: cfg.data.eval.spec, subset: cfg.data.eval.subset } : undefined;
        const options: TrainOptions = { out: flags.resume, resume: true, steps: flags.steps, onNan: flags.onNan, evalData, progress, signal: controller.signal, shards: flags.shards };
        run = () => train(model, { spec: cfg.data.spec!, subset: cfg.data.subset }, options);
      } else {
        if (modelName === undefined) throw new UsageError("missing model name: eikon train <model> (see `eikon list`), or eikon train --resume <run>");
        const family = asUsage(() => findFamily(modelName));
        const config = flags.config ? readModelConfig(flags.config, family) : {};
        const seed = flags.seed ?? 0;
        const model = asUsage(() => family.create(config, new Rng(seed)));
        const out = flags.out ?? `runs/${modelName}-${timestamp()}`;
        const options: TrainOptions = {
          out,
          seed,
          steps: flags.steps,
          epochs: flags.epochs,
          batchSize: flags.batch,
          lr: flags.lr,
          schedule: flags.schedule,
          logEvery: flags.logEvery,
          checkpointEvery: flags.checkpointEvery,
          keepLast: flags.keep,
          sampleEvery: flags.sampleEvery,
          evalEvery: flags.evalEvery,
          evalData: flags.evalData,
          onNan: flags.onNan,
          progress,
          signal: controller.signal,
          shards: flags.shards,
        };
        run = () => train(model, { spec: flags.data ?? family.recipe.data, subset: flags.subset }, options);
      }

      process.on("SIGINT", onSigint);
      try {
        const r = await run();
        const shown = (await trainLayer()).headlineValues(r.values);
        const series = Object.keys(r.values).length - Object.keys(shown).length;
        const losses = [...Object.entries(shown).map(([k, v]) => `${k} ${Number(v.toPrecision(5))}`), ...(series ? [`${series} per-dimension values in metrics.jsonl`] : [])].join(", ");
        if (r.status === "interrupted") {
          io.out(`interrupted at step ${r.step}; checkpoint ${r.checkpoint}\ncontinue with: eikon train --resume ${r.runDir}\n`);
          state.exitCode = EXIT_INTERRUPTED;
        } else if (flags.quiet) {
          io.out(`${r.runDir}\n`);
        } else {
          io.out(`trained ${r.step} steps${losses ? ` (${losses})` : ""}\nrun directory: ${r.runDir}\n  checkpoint: ${r.checkpoint}\n  report: ${r.runDir}/report.html\n`);
        }
      } finally {
        process.off("SIGINT", onSigint);
      }
    });
}
