// eikon eval <run> --metric nll|elbo|iwae|fid|modes … [--k 1000] [--json]: metrics by name from the
// metric registry, on the run's latest (or best) checkpoint; results are also appended to <run>/eval.jsonl.
// eikon eval --samples <file.npy> --metric fid|digits|mode-coverage …: the sample metrics on a .npy
// file from any program, with no run (eval-samples.ts).
import { appendFileSync } from "node:fs";
import { Command, Option } from "commander";
import type { DataSource } from "../data/index.js";
import type { MetricResult } from "../train/index.js";
import { asUsage, UsageError } from "./errors.js";
import { evalSamples } from "./eval-samples.js";
import { modelsLayer, trainLayer } from "./lazy.js";
import { formatTable, type Output } from "./output.js";
import { integer, list, positiveInt } from "./parse.js";
import { applyStandingStats, standingStatsOption } from "./standing-stats.js";

interface EvalFlags {
  metric: string[];
  k: number;
  n?: number;
  data?: string;
  subset?: number;
  batch: number;
  seed: number;
  checkpoint: string;
  samples?: string;
  range?: "auto" | "unit" | "symmetric";
  json?: boolean;
  standingStats?: number;
}

/**
 * Held-out data for a run trained on `spec`, when the dataset has a known split: mnist → mnist:test,
 * idx:<dir> → split=test, toy:<name> → a fresh draw (another seed). Null when none is known.
 */
export function heldOutSpec(spec: string, parse: (s: string) => { name: string; argument: string; options: Record<string, string> }): string | null {
  const p = parse(spec);
  const query = (o: Record<string, string>) => {
    const q = Object.entries(o).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&");
    return q ? `?${q}` : "";
  };
  if (p.name === "mnist" && (p.argument === "" || p.argument === "train") && (p.options.split ?? "train") === "train") return "mnist:test";
  if (p.name === "idx" && (p.options.split ?? "train") === "train") return `idx:${p.argument}${query({ ...p.options, split: "test" })}`;
  if (p.name === "toy") return `toy:${p.argument}${query({ ...p.options, seed: String(Number(p.options.seed ?? 0) + 1) })}`;
  return null;
}

export const fmt = (v: number) => (Number.isInteger(v) ? String(v) : Math.abs(v) >= 1e5 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : v.toFixed(4));

export function evalCommand(io: Output): Command {
  return new Command("eval")
    .description("evaluate a trained run with metrics by name (see `eikon list`), or score a .npy file of samples (--samples), and print a table")
    .argument("[run]", "run directory written by `eikon train` (or give --samples instead)")
    .requiredOption("--metric <names>", "metric(s), comma-separated or repeated: e.g. elbo, nll, iwae, modes; with --samples: fid, digits, mode-coverage (or modes)", list)
    .option(
      "--samples <file>",
      "score a .npy file of samples instead of a run: 28×28 images (N, 1, 28, 28), (N, 28, 28) or (N, 784) — float in [0, 1] or [−1, 1], or uint8 0–255 — for fid and digits; 2-D points (N, 2) for mode-coverage with --data toy:25gaussians",
    )
    .addOption(new Option("--range <range>", "with --samples: the value range of float images (auto: [−1, 1] when any value is below 0, else [0, 1])").choices(["auto", "unit", "symmetric"]))
    .option("--k <samples>", "importance samples per example (iwae) and similar sample counts", positiveInt, 1000)
    .option("--n <count>", "examples (or samples) to use (default: all the data, or the metric's own default)", positiveInt)
    .option("--data <spec>", "with --samples: the toy mixture for mode-coverage (toy:25gaussians, toy:8gaussians). Else evaluation data (default: the run's evaluation data, else the held-out split of its training data — mnist:test for mnist, split=test for idx, a fresh draw for toy — else the training data itself)")
    .option("--subset <n>", "with --data: only its first n examples", positiveInt)
    .option("--batch <n>", "batch size", positiveInt, 100)
    .option("--seed <n>", "seed of the noise", integer, 0)
    .option("--checkpoint <which>", "latest, best, or a checkpoint file", "latest")
    .option("--json", "print the results as JSON")
    .addOption(standingStatsOption())
    .action(async (run: string | undefined, flags: EvalFlags) => {
      if (flags.samples !== undefined) {
        if (run !== undefined) throw new UsageError(`give a run directory or --samples <file>, not both (got '${run}' and --samples ${flags.samples})`);
        if (flags.subset !== undefined) throw new UsageError("--subset applies to evaluation data of a run; with --samples use --n to score the first n samples");
        if (flags.standingStats !== undefined) throw new UsageError("--standing-stats recomputes a run's batch-norm statistics; a samples file has none");
        await modelsLayer();
        await evalSamples(io, { samples: flags.samples, metric: flags.metric, n: flags.n, data: flags.data, range: flags.range, json: flags.json }, fmt);
        return;
      }
      if (run === undefined) throw new UsageError("missing run directory: eikon eval <run> --metric <names>, or score a samples file with eikon eval --samples <file.npy> --metric <names>");
      if (flags.range !== undefined) throw new UsageError("--range applies to --samples (the value range of images in a .npy file)");
      await modelsLayer();
      const { computeMetric, findMetric, loadRun, QueryRunner, resolveData, runPaths } = await trainLayer();
      const defs = flags.metric.map((m) => asUsage(() => findMetric(m)));
      const { model, config, checkpoint } = await loadRun(run, flags.checkpoint);
      const { parseDatasetSpec } = await import("../data/index.js");
      const heldOut = config.data.spec ? heldOutSpec(config.data.spec, parseDatasetSpec) : null;
      const ref =
        flags.data !== undefined ? { spec: flags.data, subset: flags.subset }
        : config.data.eval?.spec ? { spec: config.data.eval.spec, subset: config.data.eval.subset }
        : heldOut ? { spec: heldOut, subset: undefined }
        : config.data.spec ? { spec: config.data.spec, subset: config.data.subset }
        : null;
      if (flags.subset !== undefined && flags.data === undefined) throw new UsageError("--subset applies to --data; give both");
      let data: DataSource | undefined;
      if (defs.some((d) => d.needsData)) {
        if (!ref) throw new UsageError(`run '${run}' was trained on data given in code; pass --data <spec> for ${defs.filter((d) => d.needsData).map((d) => d.name).join(", ")}`);
        data = resolveData(ref).source;
        const a = data.exampleShape, b = model.dataShape;
        if (a.length !== b.length || a.some((d, i) => d !== b[i])) throw new UsageError(`data ${ref.spec} has examples of shape [${a.join(", ")}] but the model expects [${b.join(", ")}]`);
      }
      // Refuse up front any metric the model cannot answer, before spending time on the others.
      for (const d of defs) {
        const why = d.unsupported?.(model, { dataSpec: ref?.spec });
        if (why) throw new UsageError(`metric '${d.name}' is not available for model '${model.family}': ${why}`);
      }
      await applyStandingStats(io, model, flags.standingStats, flags.seed);
      const runner = new QueryRunner(model);
      const results: { metric: string; result: MetricResult }[] = [];
      try {
        for (const d of defs) {
          const result = await computeMetric(d.name, { model, data, dataSpec: ref?.spec, k: flags.k, n: flags.n, batchSize: flags.batch, seed: flags.seed, runner });
          results.push({ metric: d.name, result });
        }
      } finally {
        await runner.dispose();
      }
      const step = checkpoint.state.step;
      const dataName = ref ? `${ref.spec}${ref.subset ? `[:${ref.subset}]` : ""}` : null;
      const time = new Date().toISOString();
      for (const { metric, result } of results) {
        const standing = flags.standingStats !== undefined ? { standingStats: flags.standingStats } : {};
        appendFileSync(runPaths(run).evals, JSON.stringify({ metric, ...result, step, checkpoint: checkpoint.path, data: dataName, ...standing, time }) + "\n");
      }
      if (flags.json) {
        io.out(JSON.stringify({ run, checkpoint: checkpoint.path, step, data: dataName, results: results.map(({ metric, result }) => ({ metric, ...result })) }, null, 2) + "\n");
        return;
      }
      const rows = results.map(({ metric, result: r }) => [
        metric,
        fmt(r.value),
        r.stderr !== undefined ? `± ${fmt(r.stderr)}` : "",
        r.unit,
        r.n !== undefined ? String(r.n) : "",
        Object.entries(r.details ?? {}).map(([k, v]) => `${k}=${fmt(v)}`).join(" "),
      ]);
      io.out(`run ${run}, step ${step}${dataName ? `, data ${dataName}` : ""}\n`);
      io.out(formatTable(["metric", "value", "stderr", "unit", "n", "details"], rows));
    });
}
