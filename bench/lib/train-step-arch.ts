// The EikonArch of a trainStep over one fixed batch at a constant learning rate: what vae-mlp,
// realnvp-mlp and pixelcnn hand the runner (their steps differ only in the model, loss and noise).
import { Tensor, type Rng } from "../../src/engine/index.js";
import { Context, type Noise, type NoiseCount } from "../../src/nn/index.js";
import type { TrainStep } from "../../src/optim/index.js";
import type { EikonArch } from "./types.js";

export interface TrainStepArch<M, B, S> {
  id: string;
  batchSize: number;
  step: TrainStep<M, B, S, unknown>;
  model: M;
  batch: B;
  lr: number;
  /** Noise the forward samples: drawn from `rng` before each step, `count` values of each kind. */
  noise?: { rng: Rng; count: Partial<NoiseCount> };
}

export function trainStepArch<M, B, S>(a: TrainStepArch<M, B, S>): EikonArch {
  let state = a.step.init(a.model);
  const lr = new Tensor([], "float32", new Float32Array([a.lr]));
  // what the last step consumed: zeros until the first step (tracing for FLOPs must not draw from rng)
  let lastNoise: Noise = {};
  for (const [kind, n] of Object.entries(a.noise?.count ?? {})) if (n) lastNoise[kind as keyof Noise] = new Tensor([n], "float32", new Float32Array(n));
  return {
    id: a.id,
    batch: a.batchSize,
    async step() {
      if (a.noise) lastNoise = Context.sampleNoise(a.noise.rng, a.noise.count);
      const r = await a.step(state, a.batch, lr, lastNoise);
      state = r.state;
      return r.loss.item();
    },
    parts: [{ name: "step", compiled: a.step.compiled, stats: a.step.stats, callsPerStep: 1, args: () => [state, a.batch, lr, lastNoise] }],
    updateMs: () => a.step.updateStats.ms,
    dispose: () => a.step.dispose(),
  };
}
