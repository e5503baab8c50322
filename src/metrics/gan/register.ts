// Registers the GAN metrics for `eikon eval <run> --metric …`: fid and digits (MNIST-shaped
// samples, on Eikon's classifier) and mode-coverage (toy Gaussian mixtures, with the KL of the mode
// histogram to uniform). Each draws samples through the model's `sample` query, maps them to the
// data's display range, and calls the metric function of the same name.
import { Rng } from "../../engine/index.js";
import { parseDatasetSpec } from "../../data/index.js";
import { drawSamples, toDisplayRange, type GenerativeModel } from "../../models/index.js";
import { registerMetric, type MetricContext, type MetricResult } from "../registry.js";
import { digits } from "./digits.js";
import { fid } from "./fid.js";
import { mixtureTarget, modes } from "./modes.js";
import type { SampleSet } from "./samples.js";

async function modelSamples(ctx: MetricContext, n: number, range: SampleSet["range"]): Promise<SampleSet> {
  const x = await drawSamples(ctx.runner, n, { rng: new Rng(ctx.seed), chunk: ctx.batchSize });
  return { x: range === "points" ? x : toDisplayRange(ctx.model.dataTransform, x), shape: [n, ...ctx.model.dataShape], range };
}

const isMnistShaped = (model: GenerativeModel): string | null => {
  if (!model.queries.sample) return "it has no 'sample' query";
  const d = model.dataShape;
  const ok = d.reduce((a, b) => a * b, 1) === 784 && (d.length === 1 || (d.length === 2 && d[0] === 28) || (d.length === 3 && d[0] === 1 && d[1] === 28));
  return ok ? null : `it models data of shape [${d.join(", ")}], not 28×28 grey images`;
};

const toResult = (r: { value: number; unit: string; n: number; details: Record<string, number> }): MetricResult => ({ value: r.value, unit: r.unit, n: r.n, details: r.details });

const log = (msg: string) => process.stderr.write(`${msg}\n`);

registerMetric({
  name: "fid",
  description: "Fréchet distance of 10000 samples (--n) to the MNIST test set, on the features of Eikon's own MNIST classifier (trained once and cached)",
  needsData: false,
  unsupported: (model) => isMnistShaped(model),
  async compute(ctx) {
    return toResult(await fid(await modelSamples(ctx, ctx.n ?? 10000, "unit"), { backend: ctx.backend, log }));
  },
});

registerMetric({
  name: "digits",
  description: "digits of 10 that receive ≥ 5 % of 10000 samples (--n) under Eikon's MNIST classifier, with each digit's share and the KL of the label histogram to uniform",
  needsData: false,
  unsupported: (model) => isMnistShaped(model),
  async compute(ctx) {
    return toResult(await digits(await modelSamples(ctx, ctx.n ?? 10000, "unit"), { backend: ctx.backend, log }));
  },
});

function toyName(spec: string | null | undefined): string | null {
  if (!spec) return null;
  const p = parseDatasetSpec(spec);
  if (p.name !== "toy") return null;
  try {
    mixtureTarget(p.argument);
    return p.argument;
  } catch {
    return null;
  }
}

registerMetric({
  name: "mode-coverage",
  aliases: ["modes"],
  description: "toy Gaussian mixtures: modes with a high-quality sample (within 3σ of the nearest centre), the high-quality fraction, and the KL of the mode histogram to uniform (2500 samples, --n)",
  needsData: false,
  unsupported: (model, ctx) => {
    if (!model.queries.sample) return "it has no 'sample' query";
    if (model.dataShape.length !== 1 || model.dataShape[0] !== 2) return `it models data of shape [${model.dataShape.join(", ")}], not 2-D points`;
    if (!toyName(ctx.dataSpec)) return `its data (${ctx.dataSpec ?? "given in code"}) is not a toy Gaussian mixture (toy:8gaussians or toy:25gaussians)`;
    return null;
  },
  async compute(ctx) {
    return toResult(await modes(await modelSamples(ctx, ctx.n ?? 2500, "points"), { target: toyName(ctx.dataSpec)! }));
  },
});
