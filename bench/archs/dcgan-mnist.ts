// dcgan-mnist (BENCHMARKS.md): G: Linear 100→6272 + BN + ReLU, ConvT 128→64 (4,2,1) + BN + ReLU,
// ConvT 64→1 (4,2,1) + tanh; D: Conv 1→64 (4,2,1), LReLU .2, Conv 64→128 (4,2,1), LReLU .2,
// Linear 6272→1; non-saturating loss, Adam 2e-4 β=(.5,.999), batch 128; one D step + one G step —
// the maths of ../../shared/peers/dcgan_mnist.py, run as ONE session per training step:
// G forward once (batch statistics, running-stat update), D loss on real and detached fake,
// D's Adam update, then G's loss through the UPDATED D (as the peer's second D(fake) sees it).
import { Rng, Tensor, add, compile, relu, reshape, stopGradient, tanh, valueAndGrad } from "../../src/engine/index.js";
import { packInGraph, packSpec, packTree, unpackTree, type PackSpec } from "../../src/engine/packing.js";
import { BatchNorm1d, BatchNorm2d, Context, Conv2d, ConvTranspose2d, Flatten, LeakyReLU, Linear, Module, Sequential, combine, partition } from "../../src/nn/index.js";
import { adam, type AdamState } from "../../src/optim/index.js";
import { bceOnes, bceZeros } from "../lib/losses.js";
import type { ArchOptions, EikonArch } from "../lib/types.js";
import { createSplit } from "./dcgan-split.js";

export const BATCH = 128;
export const NZ = 100;
export const LR = 2e-4;

export class Generator extends Module {
  readonly fc: Linear;
  readonly bn0: BatchNorm1d;
  readonly up1: ConvTranspose2d;
  readonly bn1: BatchNorm2d;
  readonly up2: ConvTranspose2d;
  constructor(rng: Rng) {
    super();
    this.fc = new Linear(NZ, 128 * 7 * 7, { rng });
    this.bn0 = new BatchNorm1d(128 * 7 * 7);
    this.up1 = new ConvTranspose2d(128, 64, 4, { rng, stride: 2, padding: 1 });
    this.bn1 = new BatchNorm2d(64);
    this.up2 = new ConvTranspose2d(64, 1, 4, { rng, stride: 2, padding: 1 });
  }
  /** Up to the first transposed conv's output (before its batch norm). */
  head(z: Tensor, ctx: Context): Tensor {
    const h = reshape(relu(this.bn0.forward(this.fc.forward(z, ctx), ctx)), [z.shape[0], 128, 7, 7]);
    return this.up1.forward(h, ctx);
  }
  /** From the first transposed conv's output to the image. */
  tail(a: Tensor, ctx: Context): Tensor {
    return tanh(this.up2.forward(relu(this.bn1.forward(a, ctx)), ctx));
  }
  forward(z: Tensor, ctx: Context): Tensor {
    return this.tail(this.head(z, ctx), ctx);
  }
}

export function buildDiscriminator(rng: Rng): Sequential {
  return new Sequential(
    new Conv2d(1, 64, 4, { rng, stride: 2, padding: 1 }),
    new LeakyReLU(0.2),
    new Conv2d(64, 128, 4, { rng, stride: 2, padding: 1 }),
    new LeakyReLU(0.2),
    new Flatten(),
    new Linear(128 * 7 * 7, 1, { rng }),
  );
}

export interface State {
  g: Tensor;
  gBuf: Tensor;
  d: Tensor;
  optG: AdamState;
  optD: AdamState;
}

/** The packed players, their optimizer state and the fixed real batch: the same for every schedule. */
export function initDcgan(seed: number) {
  const rng = new Rng(seed);
  const G = new Generator(rng);
  const D = buildDiscriminator(rng);
  const gParts = partition(G);
  const specG: PackSpec = packSpec(gParts.params);
  const specGB: PackSpec = packSpec(gParts.buffers);
  const specD: PackSpec = packSpec(D);
  const opt = adam({ lr: LR, betas: [0.5, 0.999] });
  const g0 = packTree(gParts.params, specG).flat;
  const d0 = packTree(D, specD).flat;
  const state: State = { g: g0, gBuf: packTree(gParts.buffers, specGB).flat, d: d0, optG: opt.init(g0), optD: opt.init(d0) };
  const x = new Tensor([BATCH, 1, 28, 28], "float32", rng.fillUniform(new Float32Array(BATCH * 784), -1, 1));
  return { rng, specG, specGB, specD, opt, state, x };
}

export function create(opts: ArchOptions): EikonArch {
  if ((opts.shards ?? 1) > 1) return createSplit(opts);
  const init = initDcgan(opts.seed);
  const { rng, specG, specGB, specD, opt, x } = init;
  let state: State = init.state;

  const body = (s: State, real: Tensor, z: Tensor) => {
    const gParams = unpackTree(s.g, specG) as Generator;
    const gBuf = unpackTree(s.gBuf, specGB) as Generator;
    const dParams = unpackTree(s.d, specD) as Sequential;
    const ctx = Context.train();
    const outer = valueAndGrad(
      (pg: Generator) => {
        const fake = combine(pg, gBuf).forward(z, ctx);
        const dc = Context.train();
        const dStep = valueAndGrad((pd: Sequential) => add(bceOnes(pd.forward(real, dc)), bceZeros(pd.forward(stopGradient(fake), dc))));
        const { value: ld, grad: gd } = dStep(dParams);
        const updD = opt.update(packInGraph(gd, specD), s.optD, s.d);
        const d2 = unpackTree(updD.params, specD) as Sequential;
        return [bceOnes(d2.forward(fake, dc)), { ld, updD }] as [Tensor, { ld: Tensor; updD: typeof updD }];
      },
      { hasAux: true },
    );
    const { value: lg, grad: gg, aux } = outer(gParams);
    const updG = opt.update(packInGraph(gg, specG), s.optG, s.g);
    const gBufNew = packInGraph(ctx.applyUpdates(gBuf), specGB);
    return { loss: add(aux.ld, lg), state: { g: updG.params, gBuf: gBufNew, d: aux.updD.params, optG: updG.state, optD: aux.updD.state } as State };
  };
  const step = compile(body, { name: "dcgan-mnist", backend: opts.backend });
  let z = new Tensor([BATCH, NZ], "float32", new Float32Array(BATCH * NZ)); // the last step's noise
  return {
    id: "dcgan-mnist",
    batch: BATCH,
    async step() {
      z = new Tensor([BATCH, NZ], "float32", rng.fillNormal(new Float32Array(BATCH * NZ)));
      const r = await step(state, x, z);
      state = r.state;
      return r.loss.item();
    },
    parts: [{ name: "step", compiled: step, callsPerStep: 1, args: () => [state, x, z] }],
    dispose: () => step.dispose(),
  };
}
