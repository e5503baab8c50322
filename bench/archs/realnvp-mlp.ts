// realnvp-mlp (BENCHMARKS.md): 6 affine couplings on 784-d inputs, alternating parity masks,
// s and t from one MLP 784-512-512-1568, tanh on s, exact NLL, Adam 1e-3, batch 128 — the maths
// of ../../shared/peers/realnvp_mlp.py.
import { Rng, Tensor, add, exp, mean, mul, neg, split, square, sub, sum, tanh } from "../../src/engine/index.js";
import { Context, Linear, Module, ReLU, Sequential } from "../../src/nn/index.js";
import { adam, trainStep } from "../../src/optim/index.js";
import { trainStepArch } from "../lib/train-step-arch.js";
import type { ArchOptions, EikonArch } from "../lib/types.js";

export const BATCH = 128;
export const D = 784;
const LAYERS = 6;

function parity(odd: boolean): Tensor {
  const m = new Float32Array(D);
  for (let i = 0; i < D; i++) m[i] = (i % 2 === 1) === odd ? 1 : 0;
  return new Tensor([D], "float32", m);
}

export class Coupling extends Module {
  readonly net: Sequential;
  /** 1 on the dimensions that pass through unchanged (a constant, not trained). */
  readonly parityOdd: boolean;
  constructor(rng: Rng, parityOdd: boolean) {
    super();
    this.net = new Sequential(new Linear(D, 512, { rng }), new ReLU(), new Linear(512, 512, { rng }), new ReLU(), new Linear(512, 2 * D, { rng }));
    this.parityOdd = parityOdd;
  }
  /** x → (z, log|det ∂z/∂x|). */
  forward(x: Tensor, ctx: Context): [Tensor, Tensor] {
    const m = parity(this.parityOdd);
    const inv = sub(1, m);
    const [s0, t0] = split(this.net.forward(mul(x, m), ctx), [D, D], 1);
    const s = mul(tanh(s0), inv);
    const t = mul(t0, inv);
    return [add(mul(x, m), mul(inv, add(mul(x, exp(s)), t))), sum(s, 1)];
  }
}

/** Peer: mask = arange(D) % 2 for even layers, 1 − mask for odd ones. */
export function buildCouplings(rng: Rng): Coupling[] {
  return Array.from({ length: LAYERS }, (_, i) => new Coupling(rng, i % 2 === 0));
}

export function create(opts: ArchOptions): EikonArch {
  const rng = new Rng(opts.seed);
  const model = buildCouplings(rng);
  const x = new Tensor([BATCH, D], "float32", rng.fillNormal(new Float32Array(BATCH * D)));
  const lossFn = (layers: Coupling[], _b: Coupling[], batch: { x: Tensor }, ctx: Context) => {
    let z = batch.x;
    let ld: Tensor | null = null;
    for (const l of layers) {
      const [zn, d] = l.forward(z, ctx);
      z = zn;
      ld = ld ? add(ld, d) : d;
    }
    const logp = add(sub(mul(sum(square(z), 1), -0.5), 0.5 * D * Math.log(2 * Math.PI)), ld!);
    return neg(mean(logp));
  };
  const step = trainStep<Coupling[], { x: Tensor }>({ name: "realnvp-mlp", lossFn, optimizer: adam({ lr: 1e-3 }), backend: opts.backend, shards: opts.shards });
  return trainStepArch({ id: "realnvp-mlp", batchSize: BATCH, step, model, batch: { x }, lr: 1e-3 });
}
