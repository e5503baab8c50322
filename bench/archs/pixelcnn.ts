// pixelcnn (BENCHMARKS.md): 7×7 mask-A conv 1→64, 5 residual blocks (1×1 64→32, 3×3 mask-B
// 32→32, 1×1 32→64), ReLU, 1×1 64→64, ReLU, 1×1 64→1; Bernoulli; Adam 1e-3; batch 64 — the
// maths of ../../shared/peers/pixelcnn.py.
import { Rng, Tensor, add, relu } from "../../src/engine/index.js";
import { Context, Conv2d, MaskedConv2d, Module, ReLU, Sequential } from "../../src/nn/index.js";
import { adam, trainStep } from "../../src/optim/index.js";
import { bcePerExample } from "../lib/losses.js";
import { binaryImages } from "./vae-mlp.js";
import { trainStepArch } from "../lib/train-step-arch.js";
import type { ArchOptions, EikonArch } from "../lib/types.js";

export const BATCH = 64;

class Res extends Module {
  readonly a: Conv2d;
  readonly b: MaskedConv2d;
  readonly c: Conv2d;
  constructor(rng: Rng) {
    super();
    this.a = new Conv2d(64, 32, 1, { rng });
    this.b = new MaskedConv2d(32, 32, 3, { rng, maskType: "B" });
    this.c = new Conv2d(32, 64, 1, { rng });
  }
  forward(x: Tensor, ctx: Context): Tensor {
    return add(x, this.c.forward(relu(this.b.forward(relu(this.a.forward(relu(x), ctx)), ctx)), ctx));
  }
}

export function buildPixelCnn(rng: Rng): Sequential {
  return new Sequential(
    new MaskedConv2d(1, 64, 7, { rng, maskType: "A" }),
    ...Array.from({ length: 5 }, () => new Res(rng)),
    new ReLU(),
    new Conv2d(64, 64, 1, { rng }),
    new ReLU(),
    new Conv2d(64, 1, 1, { rng }),
  );
}

export function create(opts: ArchOptions): EikonArch {
  const rng = new Rng(opts.seed);
  const model = buildPixelCnn(rng);
  const x = binaryImages(rng, BATCH * 784, [BATCH, 1, 28, 28]);
  const step = trainStep<Sequential, { x: Tensor }>({ name: "pixelcnn", lossFn: (p, _b, batch, ctx) => bcePerExample(p.forward(batch.x, ctx), batch.x), optimizer: adam({ lr: 1e-3 }), backend: opts.backend, shards: opts.shards });
  return trainStepArch({ id: "pixelcnn", batchSize: BATCH, step, model, batch: { x }, lr: 1e-3 });
}
