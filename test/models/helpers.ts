// Training and query helpers for the model-family tests: the model surface driven by optim's compiled
// trainStep (Adam), with host noise sized by a symbolic trace, the way the trainer drives it.
import * as E from "../../src/engine/index.js";
import { Context, combine } from "../../src/nn/index.js";
import { adam, trainStep } from "../../src/optim/index.js";
import type { BatchTensors, GenerativeModel } from "../../src/models/index.js";

export interface Batch {
  x: Float32Array;
  labels?: Int32Array;
}

/** A fixed set of examples, served in order as batches of `size` (wrapping around). */
export function cycleBatches(x: Float32Array, shape: readonly number[], size: number, labels?: Int32Array): (i: number) => BatchTensors {
  const per = shape.reduce((a, b) => a * b, 1);
  const n = x.length / per;
  return (i) => {
    const xb = new Float32Array(size * per);
    const lb = new Int32Array(size);
    for (let k = 0; k < size; k++) {
      const j = (i * size + k) % n;
      xb.set(x.subarray(j * per, (j + 1) * per), k * per);
      if (labels) lb[k] = labels[j];
    }
    return { x: E.tensor(xb, [size, ...shape]), ...(labels ? { labels: E.tensor(lb, [size], "int32") } : {}) };
  };
}

export interface TrainResult {
  losses: number[];
  metrics: Record<string, number>[];
  model: GenerativeModel;
}

export interface TrainOptions {
  lr?: number;
  /** Seeds the noise (default 0). */
  seed?: number;
  /**
   * A second model created from the same config and seed: before training, it must hold the same
   * initial parameters, and one step from it (same batch, same noise, same compiled step) must give
   * the same loss and parameters, bit for bit, as the first training step (the `reproduce` check).
   */
  twin?: GenerativeModel;
}

const packed = (tree: unknown): number[] => E.packTree(tree).flat.toArray();

function sameArrays(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
}

/**
 * Trains every objective of the model in turn for `steps` iterations with Adam, updating
 * model.players in place at the end. Deterministic given the seed.
 */
export async function train(model: GenerativeModel, batchAt: (i: number) => BatchTensors, steps: number, opts: TrainOptions = {}): Promise<TrainResult> {
  const rng = new E.Rng(opts.seed ?? 0);
  const losses: number[] = [];
  const metrics: Record<string, number>[] = [];
  for (const obj of model.objectives) {
    type B = { batch: BatchTensors; step: E.Tensor };
    const ts = trainStep<unknown, B, unknown, Record<string, E.Tensor>>({
      lossFn: (params, buffers, b, ctx) => {
        const players = { ...model.players, [obj.player]: combine(params, buffers) };
        const r = obj.loss(players, b.batch, ctx, b.step);
        return [r.loss, r.metrics ?? {}];
      },
      optimizer: adam({ lr: opts.lr ?? 1e-3 }),
      name: `${model.family}.${obj.name}`,
    });
    let state = ts.init(model.players[obj.player]);
    let need: ReturnType<typeof ts.measureNoise> | null = null;
    let twinStep: { loss: number; params: number[] } | null = null;
    if (opts.twin) {
      const twinPlayer = opts.twin.players[obj.player];
      if (!sameArrays(packed(model.players[obj.player]), packed(twinPlayer))) throw new Error(`reproduce: ${model.family} initializes differently from the same seed`);
      const b: B = { batch: batchAt(0), step: E.scalar(0) };
      const twinState = ts.init(twinPlayer);
      const out = await ts(twinState, b, opts.lr ?? 1e-3, Context.sampleNoise(new E.Rng(opts.seed ?? 0), ts.measureNoise(twinState, b)));
      twinStep = { loss: out.loss.item(), params: out.state.params.toArray() };
    }
    for (let i = 0; i < steps; i++) {
      const b: B = { batch: batchAt(i), step: E.scalar(i) };
      need ??= ts.measureNoise(state, b); // every batch has the same shapes
      const noise = Context.sampleNoise(rng, need);
      const out = await ts(state, b, opts.lr ?? 1e-3, noise);
      losses.push(out.loss.item());
      if (i === 0 && twinStep && !(Object.is(twinStep.loss, losses[0]) && sameArrays(twinStep.params, out.state.params.toArray()))) {
        throw new Error(`reproduce: ${model.family} gave a different first step from the same seed (loss ${twinStep.loss} vs ${losses[0]})`);
      }
      metrics.push(Object.fromEntries(Object.entries(out.aux).map(([k, v]) => [k, v.item()])));
      state = out.state;
    }
    model.players[obj.player] = ts.model(state);
    await ts.dispose();
  }
  return { losses, metrics, model };
}


/** Mean of the first and last `w` values of a series. */
export function ends(xs: number[], w: number): { first: number; last: number } {
  const avg = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
  return { first: avg(xs.slice(0, w)), last: avg(xs.slice(-w)) };
}

export function assertFinite(t: E.Tensor, what: string): void {
  const v = t.values();
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) throw new Error(`${what}: value ${i} is ${v[i]}`);
}

/** A small binary-image data set: n MNIST-like 28×28 digits would be slow; blobs on a grid are enough. */
export function blobs(n: number, shape: readonly [number, number, number], seed: number): { x: Float32Array; labels: Int32Array } {
  const [c, h, w] = shape;
  const rng = new E.Rng(seed);
  const x = new Float32Array(n * c * h * w);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    labels[i] = label;
    const cy = (0.3 + 0.4 * rng.uniform()) * h;
    const cx = (label === 0 ? 0.25 + 0.15 * rng.uniform() : 0.6 + 0.15 * rng.uniform()) * w;
    const r = (0.15 + 0.1 * rng.uniform()) * Math.min(h, w);
    for (let ch = 0; ch < c; ch++) for (let y = 0; y < h; y++) for (let xx = 0; xx < w; xx++) {
      const d = Math.hypot(y + 0.5 - cy, xx + 0.5 - cx);
      x[((i * c + ch) * h + y) * w + xx] = d < r ? 1 : 0;
    }
  }
  return { x, labels };
}
