// Encoder and decoder networks shared by the autoencoder and VAE families: MLPs (ReLU between
// Linear layers) and DCGAN-style convolutional stacks (4×4 kernels, stride 2, padding 1, so each
// layer halves or doubles the resolution), with PyTorch's layouts and default initialization.
import type { Rng, Tensor } from "../../engine/index.js";
import * as E from "../../engine/index.js";
import { Context, Conv2d, ConvTranspose2d, Flatten, Linear, ReLU, Reshape, Sequential, type Layer } from "../../nn/index.js";
import type { StepContext } from "../model.js";

export type Arch = "mlp" | "conv";

export interface NetworkShape {
  arch: Arch;
  /** Per-example data shape, [C, H, W] for images (conv needs H and W divisible by 2^channels.length). */
  dataShape: readonly number[];
  /** MLP hidden widths, encoder order (the decoder uses them reversed). */
  hidden: readonly number[];
  /** Conv channels, encoder order (the decoder uses them reversed). */
  channels: readonly number[];
}

export const flatSize = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Linear → ReLU → … → Linear (no ReLU when `activate` is false: a linear map in factored form). */
export function mlp(sizes: readonly number[], rng: Rng, activate = true): Sequential {
  const layers: Layer[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    layers.push(new Linear(sizes[i], sizes[i + 1], { rng }));
    if (activate && i + 2 < sizes.length) layers.push(new ReLU());
  }
  return new Sequential(...layers);
}

function checkConvShape(s: NetworkShape): [number, number, number] {
  if (s.dataShape.length !== 3) throw new Error(`conv networks need image data [C, H, W], got [${s.dataShape.join(", ")}]; use arch "mlp" for flat data`);
  const [c, h, w] = s.dataShape;
  const f = 2 ** s.channels.length;
  if (h % f !== 0 || w % f !== 0) throw new Error(`conv networks with ${s.channels.length} stride-2 layers need H and W divisible by ${f}, got ${h}×${w}`);
  if (s.channels.length === 0) throw new Error("conv networks need at least one entry in channels");
  return [c, h, w];
}

/**
 * Encoder x [B, ...dataShape] → [B, outDim]. `extraInputs` widen the input (a one-hot label):
 * the MLP takes them concatenated to the flattened x; the conv net as constant feature maps.
 */
export function buildEncoder(s: NetworkShape, outDim: number, extraInputs: number, rng: Rng, activate = true): Sequential {
  if (s.arch === "mlp") return mlp([flatSize(s.dataShape) + extraInputs, ...s.hidden, outDim], rng, activate);
  const [c, h, w] = checkConvShape(s);
  const layers: Layer[] = [];
  let inC = c + extraInputs;
  for (const ch of s.channels) {
    layers.push(new Conv2d(inC, ch, 4, { rng, stride: 2, padding: 1 }), new ReLU());
    inC = ch;
  }
  const f = 2 ** s.channels.length;
  layers.push(new Flatten(), new Linear(inC * (h / f) * (w / f), outDim, { rng }));
  return new Sequential(...layers);
}

/**
 * Decoder z [B, inDim] → per-pixel outputs: [B, D·perPixel] (MLP, pixel-major: the perPixel values of
 * pixel d are adjacent) or [B, C·perPixel, H, W] (conv, channel c·perPixel + j). See pixelOutputs.
 */
export function buildDecoder(s: NetworkShape, inDim: number, perPixel: number, rng: Rng, activate = true): Sequential {
  if (s.arch === "mlp") return mlp([inDim, ...[...s.hidden].reverse(), flatSize(s.dataShape) * perPixel], rng, activate);
  const [c, h, w] = checkConvShape(s);
  const chans = [...s.channels].reverse();
  const f = 2 ** s.channels.length;
  const layers: Layer[] = [new Linear(inDim, chans[0] * (h / f) * (w / f), { rng }), new ReLU(), new Reshape([chans[0], h / f, w / f])];
  for (let i = 0; i < chans.length; i++) {
    const out = i + 1 < chans.length ? chans[i + 1] : c * perPixel;
    layers.push(new ConvTranspose2d(chans[i], out, 4, { rng, stride: 2, padding: 1 }));
    if (i + 1 < chans.length) layers.push(new ReLU());
  }
  return new Sequential(...layers);
}

/** Decoder output → [B, D, perPixel] with D = prod(dataShape) in the data's row-major order. */
export function pixelOutputs(s: NetworkShape, out: Tensor, perPixel: number): Tensor {
  const b = out.shape[0];
  const d = flatSize(s.dataShape);
  if (s.arch === "mlp" || perPixel === 1) return E.reshape(out, [b, d, perPixel]);
  const [c, h, w] = s.dataShape;
  const grouped = E.reshape(out, [b, c, perPixel, h * w]);
  return E.reshape(E.transpose(grouped, [0, 1, 3, 2]), [b, d, perPixel]);
}

/** The encoder's input: x itself, with a one-hot label appended (MLP: flattened; conv: as constant channels). */
export function encoderInput(s: NetworkShape, x: Tensor, oneHot: Tensor | null): Tensor {
  const b = x.shape[0];
  if (s.arch === "mlp") {
    const flat = E.reshape(x, [b, flatSize(s.dataShape)]);
    return oneHot ? E.concat([flat, oneHot], 1) : flat;
  }
  const img = E.reshape(x, [b, ...s.dataShape]);
  if (!oneHot) return img;
  const [, h, w] = s.dataShape;
  const k = oneHot.shape[1];
  return E.concat([img, E.broadcastTo(E.reshape(oneHot, [b, k, 1, 1]), [b, k, h, w])], 1);
}

/** nn layers take nn's Context; a StepContext from elsewhere stands in as a noise-free context of the same mode. */
export function layerContext(ctx: StepContext): Context {
  if (ctx instanceof Context) return ctx;
  return ctx.train ? Context.train() : Context.eval();
}
