// The GAN families' networks, with PyTorch's layouts and default initialization:
//   MLP   G: z → Linear → [BN] → act → … → Linear → output act, reshaped to the data's shape;
//         D: flatten → Linear → act → … → Linear → 1 logit (no sigmoid: the losses take logits,
//         and WGAN's critic output is the score itself).
//   DCGAN G: Linear → BN1d → ReLU → reshape → (ConvT 4×4 s2 p1 → BN2d → ReLU)… → ConvT → tanh;
//         D: (Conv 4×4 s2 p1 → leaky ReLU)… → flatten → Linear → 1 logit (BENCHMARKS.md dcgan-mnist).
// Spectral normalization, when configured, wraps every weight layer of D; a minibatch-stddev
// feature (config minibatchStd), when configured, joins D's last hidden features.
import { Rng, Tensor, packInGraph, packSpec, packTree, reshape, unpackTree, type PackSpec } from "../../engine/index.js";
import {
  BatchNorm1d,
  BatchNorm2d,
  Conv2d,
  ConvTranspose2d,
  Flatten,
  LeakyReLU,
  Linear,
  MinibatchStd,
  Module,
  ReLU,
  Reshape,
  Sequential,
  SpectralNorm,
  Tanh,
  combine,
  partition,
  type Context,
  type Layer,
} from "../../nn/index.js";
import type { Activation, GanConfig } from "./config.js";

export const flatSize = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

function activation(kind: Activation, leak: number): Layer {
  return kind === "relu" ? new ReLU() : new LeakyReLU(leak);
}

/** G's network: z [B, latent] → [B, ...dataShape]. */
export function buildGeneratorNet(c: GanConfig, rng: Rng): Sequential {
  const layers: Layer[] = [];
  const act = () => activation(c.gActivation, c.leak);
  if (c.arch === "mlp") {
    let inF = c.latent;
    for (const h of c.hidden) {
      layers.push(new Linear(inF, h, { rng }));
      if (c.gBatchNorm) layers.push(new BatchNorm1d(h));
      layers.push(act());
      inF = h;
    }
    layers.push(new Linear(inF, flatSize(c.dataShape), { rng }));
  } else {
    const [ch, h, w] = c.dataShape;
    const chans = [...c.channels].reverse();
    const f = 2 ** chans.length;
    const units = chans[0] * (h / f) * (w / f);
    layers.push(new Linear(c.latent, units, { rng }));
    if (c.gBatchNorm) layers.push(new BatchNorm1d(units));
    layers.push(act(), new Reshape([chans[0], h / f, w / f]));
    for (let i = 0; i < chans.length; i++) {
      const last = i + 1 === chans.length;
      layers.push(new ConvTranspose2d(chans[i], last ? ch : chans[i + 1], 4, { rng, stride: 2, padding: 1 }));
      if (!last) {
        if (c.gBatchNorm) layers.push(new BatchNorm2d(chans[i + 1]));
        layers.push(act());
      }
    }
  }
  if (c.output === "tanh") layers.push(new Tanh());
  if (c.arch === "mlp" && c.dataShape.length > 1) layers.push(new Reshape(c.dataShape));
  return new Sequential(...layers);
}

/** D's network: packs [B / pack, pack·C, H, W] (MLP: [B / pack, pack·dataShape[0], …]) → logits [B / pack, 1]; see judge(). */
export function buildDiscriminatorNet(c: GanConfig, rng: Rng): Sequential {
  const layers: Layer[] = [];
  const sn = (l: Linear | Conv2d): Layer => (c.spectralNorm ? new SpectralNorm(l, { rng }) : l);
  const act = () => activation(c.dActivation, c.leak);
  // the minibatch-stddev layer, when configured, before the output layer: one more feature (map)
  const withMinibatchStd = (): number => (c.minibatchStd > 0 ? (layers.push(new MinibatchStd(c.minibatchStd)), 1) : 0);
  if (c.arch === "mlp") {
    if (c.dataShape.length > 1) layers.push(new Flatten());
    let inF = flatSize(c.dataShape) * c.pack;
    for (const h of c.hidden) {
      layers.push(sn(new Linear(inF, h, { rng })), act());
      inF = h;
    }
    const extra = withMinibatchStd();
    layers.push(sn(new Linear(inF + extra, 1, { rng })));
  } else {
    const [ch, h, w] = c.dataShape;
    let inC = ch * c.pack;
    for (const out of c.channels) {
      layers.push(sn(new Conv2d(inC, out, 4, { rng, stride: 2, padding: 1 })), act());
      inC = out;
    }
    const f = 2 ** c.channels.length;
    const maps = inC + withMinibatchStd();
    layers.push(new Flatten(), sn(new Linear(maps * (h / f) * (w / f), 1, { rng })));
  }
  return new Sequential(...layers);
}

/**
 * D's logits for a batch [B, ...dataShape]: one per pack of `pack` consecutive examples, which are
 * stacked along the first data axis (a reshape: row-major, pack i is examples i·m … i·m + m − 1).
 */
export function judge(c: GanConfig, d: Sequential, x: Tensor, ctx: Context): Tensor {
  if (c.pack === 1) return d.forward(x, ctx);
  const b = x.shape[0];
  if (b % c.pack !== 0) throw new Error(`the discriminator packs ${c.pack} examples at a time (config pack = ${c.pack}), so batches must be multiples of ${c.pack}; got a batch of ${b}`);
  const [first, ...rest] = c.dataShape;
  return d.forward(reshape(x, [b / c.pack, first * c.pack, ...rest]), ctx);
}

/** The generator player: its network, plus flat snapshots of its weights kept as buffers. */
export class Generator extends Module {
  static override buffers = ["ema", "prev", "prevStep"];
  readonly net: Sequential;
  /** EMA of the network's parameters, packed flat (null without EMA). */
  readonly ema: Tensor | null;
  /** G°: the parameters as they were before this iteration's generator update, packed flat (null without the proximal term). */
  readonly prev: Tensor | null;
  /** The iteration G° was taken at ([1]; −1 before the first), so the first G step of each iteration retakes it. */
  readonly prevStep: Tensor | null;

  constructor(net: Sequential, opts: { ema: boolean; prev: boolean }) {
    super();
    this.net = net;
    const snapshot = () => packTree(partition(net).params).flat;
    this.ema = opts.ema ? snapshot() : null;
    this.prev = opts.prev ? snapshot() : null;
    this.prevStep = opts.prev ? new Tensor([1], this.prev!.dtype, this.prev!.dtype === "float64" ? Float64Array.of(-1) : Float32Array.of(-1)) : null;
  }

  forward(z: Tensor, ctx: Context): Tensor {
    return this.net.forward(z, ctx);
  }
}

/** The packing layout of a network's parameters (shapes only: works on symbolic trees). */
export function paramSpec(net: Sequential): PackSpec {
  return packSpec(partition(net).params);
}

/** The network's parameters laid end to end (in a trace: a concat; on the host: a copy). */
export function flatParams(net: Sequential): Tensor {
  const params = partition(net).params;
  const spec = packSpec(params);
  return packInGraph(params, spec);
}

/** The same network with its parameters taken from a flat vector (its buffers kept). */
export function withFlatParams(net: Sequential, flat: Tensor): Sequential {
  const parts = partition(net);
  const params = unpackTree(flat.rank === 1 ? flat : reshape(flat, [flat.size]), packSpec(parts.params));
  return combine(params, parts.buffers);
}
