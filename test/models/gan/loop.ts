// A GAN training loop through the trainer's compiled objective steps (src/train/step.ts): k
// discriminator steps, each on a fresh data batch, then one generator step — the way the trainer
// alternates players. Used by the reproduce tests and by the toy-results experiment.
import * as E from "../../../src/engine/index.js";
import { Context } from "../../../src/nn/index.js";
import type { BatchTensors, GenerativeModel, TrainingRecipe } from "../../../src/models/index.js";
import { ObjectiveStep, packPlayers, playerLayouts, unpackPlayers, type HostState } from "../../../src/train/step.js";
import { makeOptimizer } from "../../../src/train/optimizers.js";
import { toy } from "../../../src/data/index.js";

export interface LoopOptions {
  /** Generator steps. */
  iterations: number;
  /** Batch of x for step i of objective `name` (each D step gets its own). */
  batchAt: (i: number) => BatchTensors;
  recipe: TrainingRecipe;
  seed?: number;
  /** Called every `every` iterations with the trained players so far. */
  onIteration?: (it: number) => Promise<void> | void;
  every?: number;
  backend?: E.Backend;
}

export interface LoopResult {
  /** Loss of each objective, every step. */
  losses: Record<string, number[]>;
  /** The objectives' logged metrics, last step. */
  metrics: Record<string, Record<string, number>>;
  msPerIteration: number;
}

/** Trains in place: model.players holds the trained players afterwards. */
export async function trainGan(model: GenerativeModel<any>, opts: LoopOptions): Promise<LoopResult> {
  const rng = new E.Rng(opts.seed ?? 0);
  const layouts = playerLayouts(model);
  const optimizers = Object.fromEntries(Object.entries(opts.recipe.optimizers).map(([k, v]) => [k, makeOptimizer(v)]));
  let st: HostState = packPlayers(model.players, layouts, optimizers);
  const steps = model.objectives.map((o) => new ObjectiveStep(model, o, layouts, optimizers[o.player], opts.backend));
  const losses: Record<string, number[]> = Object.fromEntries(model.objectives.map((o) => [o.name, []]));
  const metrics: Record<string, Record<string, number>> = {};
  const lr = Object.fromEntries(Object.entries(opts.recipe.optimizers).map(([k, v]) => [k, E.scalar(v.lr)]));
  let batchIndex = 0;
  const t0 = performance.now();
  try {
    for (let it = 0; it < opts.iterations; it++) {
      for (let k = 0; k < steps.length; k++) {
        const obj = model.objectives[k];
        const s = steps[k];
        for (let j = 0; j < (obj.steps ?? 1); j++) {
          const batch = opts.batchAt(batchIndex++);
          const noise = Context.sampleNoise(rng, s.noiseNeeded(st, batch, true));
          const r = await s.train({ params: st.params, buffers: st.buffers, opt: st.opt[obj.player], batch, noise, step: E.scalar(it), lr: lr[obj.player] });
          const upd = s.apply(r, st.params[obj.player], st.opt[obj.player], lr[obj.player].item());
          st = { params: { ...st.params, [obj.player]: upd.params }, buffers: { ...st.buffers, ...r.buffers }, opt: { ...st.opt, [obj.player]: upd.opt } };
          losses[obj.name].push(r.loss.item());
          metrics[obj.name] = Object.fromEntries(Object.entries(r.metrics).map(([m, v]) => [m, v.item()]));
        }
      }
      if (opts.onIteration && (it + 1) % (opts.every ?? 1) === 0) {
        Object.assign(model.players, unpackPlayers(st, layouts));
        await opts.onIteration(it + 1);
      }
    }
  } finally {
    await Promise.all(steps.map((s) => s.dispose()));
  }
  Object.assign(model.players, unpackPlayers(st, layouts));
  return { losses, metrics, msPerIteration: (performance.now() - t0) / opts.iterations };
}

/** Batches of a toy distribution's fixed sample (seeded), served in order. */
export function toyBatches(name: string, batchSize: number, seed: number, n = 10000): (i: number) => BatchTensors {
  const pts = toy(name, { n, seed }).points;
  return (i) => {
    const x = new Float32Array(batchSize * 2);
    for (let k = 0; k < batchSize; k++) {
      const j = (i * batchSize + k) % n;
      x[2 * k] = pts[2 * j];
      x[2 * k + 1] = pts[2 * j + 1];
    }
    return { x: E.tensor(x, [batchSize, 2]) };
  };
}
