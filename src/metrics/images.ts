// Pictures of what a model has learned, as PNG files: reconstructions (originals over their
// reconstructions), samples, and latent interpolations (decodes along the line between two codes).
import { Rng, tensor, type Backend, type Tensor } from "../engine/index.js";
import type { DataSource } from "../data/index.js";
import { saveImageGrid } from "../io/index.js";
import { QueryRunner, toDisplayRange, type GenerativeModel } from "../models/index.js";
import { evalBatchesOf } from "./batches.js";

export interface ImageOptions {
  /** Seeds the data transforms and the noise (default 0). */
  seed?: number;
  /** Write the picture here (PNG); omitted: only return the pixels. */
  out?: string;
  backend?: Backend;
}

export interface Pictures {
  /** Images in [0,1], [count, C, H, W] row-major. */
  images: Float32Array;
  shape: [number, number, number, number];
  /** Images per row of the saved grid. */
  nrow: number;
  path?: string;
}

function imageShape(model: GenerativeModel): [number, number, number] {
  const s = model.dataShape;
  if (s.length !== 3 || ![1, 3, 4].includes(s[0])) throw new Error(`model '${model.family}' models data of shape [${s.join(", ")}], which is not an image [C, H, W] with C = 1, 3 or 4`);
  return [s[0], s[1], s[2]];
}

async function finish(model: GenerativeModel, images: Float32Array, count: number, nrow: number, opts: ImageOptions): Promise<Pictures> {
  const [c, h, w] = imageShape(model);
  const shape: [number, number, number, number] = [count, c, h, w];
  const shown = toDisplayRange(model.dataTransform, images);
  if (opts.out) await saveImageGrid(opts.out, shown, shape, { nrow });
  return { images: shown, shape, nrow, path: opts.out };
}

async function firstExamples(model: GenerativeModel, data: DataSource, n: number, seed: number): Promise<{ x: Tensor; labels?: Int32Array }> {
  for await (const b of evalBatchesOf(model, data, { n, batchSize: n, seed })) return { x: tensor(b.x, b.shape), labels: b.labels };
  throw new Error(`${data.name}: no examples`);
}

/** The first n examples (top row) over their reconstructions (bottom row). */
export async function reconstructions(model: GenerativeModel, data: DataSource, opts: ImageOptions & { n?: number } = {}): Promise<Pictures> {
  imageShape(model);
  const n = Math.min(opts.n ?? 16, data.n);
  const seed = opts.seed ?? 0;
  const runner = new QueryRunner(model, opts.backend);
  try {
    const { x, labels } = await firstExamples(model, data, n, seed);
    const rec = await runner.run("reconstruct", { n, x, labels, rng: new Rng(seed + 1) });
    const images = new Float32Array(2 * x.size);
    images.set(x.values() as Float32Array);
    images.set(rec.values() as Float32Array, x.size);
    return finish(model, images, 2 * n, n, opts);
  } finally {
    await runner.dispose();
  }
}

/** n samples (for a conditional model: of the given classes, or of every class in turn). */
export async function samples(model: GenerativeModel, opts: ImageOptions & { n?: number; temperature?: number; labels?: Int32Array; nrow?: number } = {}): Promise<Pictures> {
  imageShape(model);
  const n = opts.n ?? 64;
  const runner = new QueryRunner(model, opts.backend);
  try {
    const out = await runner.run("sample", { n, rng: new Rng(opts.seed ?? 0), temperature: opts.temperature, labels: opts.labels });
    return finish(model, out.values() as Float32Array, n, opts.nrow ?? Math.ceil(Math.sqrt(n)), opts);
  } finally {
    await runner.dispose();
  }
}

export interface InterpolationOptions extends ImageOptions {
  /** Pairs of examples (one row each; default 1: a single strip). */
  pairs?: number;
  /** Images per row, endpoints included (default 10). */
  steps?: number;
  /** Straight line, or spherical interpolation (which keeps Gaussian codes at a typical norm). */
  path?: "linear" | "slerp";
  /** Index of the first example of the first pair (default 0): pairs are consecutive examples. */
  start?: number;
}

/** z_t between the codes of two examples, t = 0 … 1. */
function interpolate(a: Float32Array, b: Float32Array, t: number, path: "linear" | "slerp"): Float32Array {
  const out = new Float32Array(a.length);
  if (path === "slerp") {
    let dot = 0, na = 0, nb = 0;
    for (let i = 0; i < a.length; i++) {
      dot += a[i] * b[i];
      na += a[i] * a[i];
      nb += b[i] * b[i];
    }
    const omega = Math.acos(Math.max(-1, Math.min(1, dot / Math.sqrt(na * nb || 1))));
    if (omega > 1e-6) {
      const sa = Math.sin((1 - t) * omega) / Math.sin(omega), sb = Math.sin(t * omega) / Math.sin(omega);
      for (let i = 0; i < a.length; i++) out[i] = sa * a[i] + sb * b[i];
      return out;
    }
  }
  for (let i = 0; i < a.length; i++) out[i] = (1 - t) * a[i] + t * b[i];
  return out;
}

/** Decodes along the path between the codes of consecutive examples: one row (strip) per pair. */
export async function interpolations(model: GenerativeModel, data: DataSource, opts: InterpolationOptions = {}): Promise<Pictures> {
  imageShape(model);
  if (!model.queries.encode || !model.queries.decode) throw new Error(`model '${model.family}' cannot interpolate: it needs 'encode' and 'decode' queries`);
  const pairs = opts.pairs ?? 1;
  const steps = opts.steps ?? 10;
  if (!(steps >= 2)) throw new Error(`interpolations: steps must be ≥ 2, got ${steps}`);
  const start = opts.start ?? 0;
  const seed = opts.seed ?? 0;
  const runner = new QueryRunner(model, opts.backend);
  try {
    const { x, labels } = await firstExamples(model, data, start + 2 * pairs, seed);
    const codes = await runner.run("encode", { n: x.shape[0], x, labels, rng: new Rng(seed + 1) });
    const d = codes.shape[1];
    const cv = codes.values() as Float32Array;
    const z = new Float32Array(pairs * steps * d);
    const zLabels = labels ? new Int32Array(pairs * steps) : undefined;
    for (let p = 0; p < pairs; p++) {
      const ia = start + 2 * p, ib = ia + 1;
      for (let s = 0; s < steps; s++) {
        z.set(interpolate(cv.subarray(ia * d, (ia + 1) * d), cv.subarray(ib * d, (ib + 1) * d), s / (steps - 1), opts.path ?? "linear"), (p * steps + s) * d);
        // a conditional model keeps the first example's class along the path
        if (zLabels && labels) zLabels[p * steps + s] = labels[ia];
      }
    }
    const out = await runner.run("decode", { n: pairs * steps, inputs: { z: tensor(z, [pairs * steps, d]) }, labels: zLabels, rng: new Rng(seed + 2) });
    return finish(model, out.values() as Float32Array, pairs * steps, steps, opts);
  } finally {
    await runner.dispose();
  }
}
