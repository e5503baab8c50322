// eikon eval --samples <file.npy> --metric fid|digits|mode-coverage …: scores samples from any
// program on Eikon's features, with no run directory. The array's shape says what it holds:
// 28×28 images — (N, 1, 28, 28), (N, 28, 28) or (N, 784), float in [0, 1] or [−1, 1] (told apart by
// the values, or --range), or uint8 0–255 — for fid and digits; 2-D points (N, 2) for mode-coverage
// (alias modes), which needs the mixture: --data toy:25gaussians or toy:8gaussians.
import { existsSync, statSync } from "node:fs";
import { UsageError } from "./errors.js";
import { formatTable, type Output } from "./output.js";

export interface SampleEvalFlags {
  samples: string;
  metric: string[];
  n?: number;
  data?: string;
  range?: "auto" | "unit" | "symmetric";
  json?: boolean;
}

const RANGE_TEXT = { unit: "values in [0, 1]", symmetric: "values in [−1, 1]", points: "2-D points" } as const;

export async function evalSamples(io: Output, flags: SampleEvalFlags, fmt: (v: number) => string): Promise<void> {
  const file = flags.samples;
  const gan = await import("../metrics/gan/index.js");
  const { findMetric } = await import("../train/index.js");
  const names = gan.sampleMetricNames();
  const defs = flags.metric.map((name) => {
    const def = gan.findSampleMetric(name);
    if (def) return { name, def };
    let known = false;
    try {
      findMetric(name);
      known = true;
    } catch {
      known = false;
    }
    if (known) throw new UsageError(`metric '${name}' needs a trained run (it asks the model, not its samples); a samples file can be scored with ${names}`);
    throw new UsageError(`unknown metric '${name}' for --samples; use ${names}`);
  });

  if (!existsSync(file)) throw new UsageError(`samples file '${file}' not found; pass a .npy file written by numpy.save, e.g. numpy.save("samples.npy", x)`);
  if (!statSync(file).isFile()) throw new UsageError(`samples file '${file}' is not a file; pass a .npy file written by numpy.save`);

  let target: string | undefined;
  const needsTarget = defs.filter((d) => d.def.needsTarget);
  if (flags.data !== undefined) {
    if (needsTarget.length === 0) throw new UsageError(`--data with --samples names the toy mixture for mode-coverage; ${defs.map((d) => d.name).join(", ")} compare${defs.length === 1 ? "s" : ""} with the MNIST test set — drop --data`);
    const { parseDatasetSpec } = await import("../data/index.js");
    let p: { name: string; argument: string };
    try {
      p = parseDatasetSpec(flags.data);
    } catch (e) {
      throw new UsageError(`--data ${flags.data}: ${(e as Error).message}`);
    }
    const ok = p.name === "toy" && (() => {
      try {
        gan.mixtureTarget(p.argument);
        return true;
      } catch {
        return false;
      }
    })();
    if (!ok) throw new UsageError(`--data ${flags.data} is not a toy Gaussian mixture; mode-coverage counts the modes of toy:25gaussians or toy:8gaussians`);
    target = p.argument;
  } else if (needsTarget.length > 0) {
    throw new UsageError(`metric '${needsTarget[0].name}' on a samples file needs the mixture whose modes to count: add --data toy:25gaussians (or toy:8gaussians)`);
  }

  let samples: import("../metrics/gan/index.js").SampleSet;
  try {
    samples = gan.samplesFromNpy(file, flags.range ?? "auto");
  } catch (e) {
    const msg = (e as Error).message;
    throw new UsageError(msg.includes(".npy file") || msg.startsWith(file) ? msg : `${file}: ${msg}`);
  }
  const shape = `(${samples.shape.join(", ")})`;
  const kind = gan.sampleKind(samples.shape);
  if (!kind) throw new UsageError(`${file} holds an array of shape ${shape}; --samples takes 28×28 images ${gan.SAMPLE_SHAPES.images} for fid and digits, or 2-D points ${gan.SAMPLE_SHAPES.points} for mode-coverage`);
  if (kind === "points" && flags.range !== undefined && flags.range !== "auto") throw new UsageError(`--range applies to images; ${file} holds 2-D points ${shape}`);
  for (const { name, def } of defs) {
    if (def.kind === kind) continue;
    if (def.kind === "images") throw new UsageError(`metric '${name}' scores 28×28 images ${gan.SAMPLE_SHAPES.images}, but ${file} holds 2-D points ${shape}; for points use --metric mode-coverage --data toy:25gaussians`);
    throw new UsageError(`metric '${name}' scores 2-D points ${gan.SAMPLE_SHAPES.points}, but ${file} holds images ${shape}; for images use --metric fid or digits`);
  }

  const total = samples.shape[0];
  let set = samples;
  if (flags.n !== undefined) {
    if (flags.n > total) throw new UsageError(`--n ${flags.n}, but ${file} holds only ${total} samples; pass --n ${total} or less, or leave --n out to use them all`);
    const per = samples.x.length / Math.max(1, total);
    set = { ...samples, x: samples.x.subarray(0, flags.n * per), shape: [flags.n, ...samples.shape.slice(1)] };
  }
  const n = set.shape[0];
  for (const { name, def } of defs) {
    if (n < def.minSamples) throw new UsageError(`metric '${name}' needs at least ${def.minSamples} samples, ${file} gives ${n}${name === "fid" ? " (FID is biased upward below a few thousand)" : ""}`);
  }

  const log = (m: string) => io.err(`${m}\n`);
  const results: { metric: string; result: import("../metrics/gan/index.js").SampleMetricResult }[] = [];
  for (const { name, def } of defs) results.push({ metric: name, result: await def.score(set, { target, log }) });

  const what = `${file}: ${n} samples, shape (${set.shape.join(", ")}), ${RANGE_TEXT[set.range]}${target ? `, modes of toy:${target}` : ""}`;
  if (flags.json) {
    io.out(JSON.stringify({ samples: file, n, shape: set.shape, range: set.range, data: target ? `toy:${target}` : null, results: results.map(({ metric, result }) => ({ metric, ...result })) }, null, 2) + "\n");
    return;
  }
  const rows = results.map(({ metric, result: r }) => [metric, fmt(r.value), r.unit, String(r.n), Object.entries(r.details).map(([k, v]) => `${k}=${fmt(v)}`).join(" ")]);
  io.out(`samples ${what}\n`);
  io.out(formatTable(["metric", "value", "unit", "n", "details"], rows));
}
