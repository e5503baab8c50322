// Convolutions with PyTorch's layouts and defaults: Conv2d weight [out, in/groups, kh, kw],
// ConvTranspose2d weight [in, out/groups, kh, kw]; default initialization U(±1/√fan_in) with
// fan_in from the weight's dimension 1 times the kernel area (as torch.nn.init computes it).
import { Tensor, conv2d, convTranspose2d, add, reshape } from "../engine/index.js";
import type { Context } from "./context.js";
import { Module } from "./module.js";
import { initWeightBias, type LayerInit } from "./linear.js";

export type Pair = [number, number];
export type IntOrPair = number | readonly [number, number];

export const toPair = (v: IntOrPair): Pair => (typeof v === "number" ? [v, v] : [v[0], v[1]]);

export interface ConvInit extends LayerInit {
  stride?: IntOrPair;
  padding?: IntOrPair;
  dilation?: IntOrPair;
  groups?: number;
}

function checkGroups(layer: string, inChannels: number, outChannels: number, groups: number): void {
  if (!Number.isInteger(groups) || groups < 1 || inChannels % groups !== 0 || outChannels % groups !== 0) {
    throw new Error(`${layer}: in_channels (${inChannels}) and out_channels (${outChannels}) must both be divisible by groups (${groups})`);
  }
}

/** y + bias per channel (axis 1), or y when there is no bias. */
export const addChannelBias = (y: Tensor, bias: Tensor | null): Tensor => (bias ? add(y, reshape(bias, [bias.shape[0], 1, 1])) : y);

export class Conv2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: Pair;
  readonly stride: Pair;
  readonly padding: Pair;
  readonly dilation: Pair;
  readonly groups: number;

  constructor(inChannels: number, outChannels: number, kernelSize: IntOrPair, opts: ConvInit) {
    super();
    const groups = opts.groups ?? 1;
    checkGroups("Conv2d", inChannels, outChannels, groups);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = toPair(kernelSize);
    this.stride = toPair(opts.stride ?? 1);
    this.padding = toPair(opts.padding ?? 0);
    this.dilation = toPair(opts.dilation ?? 1);
    this.groups = groups;
    const { weight, bias } = initWeightBias([outChannels, inChannels / groups, ...this.kernelSize], outChannels, opts);
    this.weight = weight;
    this.bias = bias;
  }

  /** The convolution with a given weight (MaskedConv2d and SpectralNorm substitute theirs). */
  protected convolve(x: Tensor, weight: Tensor): Tensor {
    const y = conv2d(x, weight, { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups });
    return addChannelBias(y, this.bias);
  }

  forward(x: Tensor, _ctx: Context): Tensor {
    return this.convolve(x, this.weight);
  }
}

export interface ConvTransposeInit extends ConvInit {
  outputPadding?: IntOrPair;
}

export class ConvTranspose2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: Pair;
  readonly stride: Pair;
  readonly padding: Pair;
  readonly outputPadding: Pair;
  readonly dilation: Pair;
  readonly groups: number;

  constructor(inChannels: number, outChannels: number, kernelSize: IntOrPair, opts: ConvTransposeInit) {
    super();
    const groups = opts.groups ?? 1;
    checkGroups("ConvTranspose2d", inChannels, outChannels, groups);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = toPair(kernelSize);
    this.stride = toPair(opts.stride ?? 1);
    this.padding = toPair(opts.padding ?? 0);
    this.outputPadding = toPair(opts.outputPadding ?? 0);
    this.dilation = toPair(opts.dilation ?? 1);
    this.groups = groups;
    const { weight, bias } = initWeightBias([inChannels, outChannels / groups, ...this.kernelSize], outChannels, opts);
    this.weight = weight;
    this.bias = bias;
  }

  forward(x: Tensor, _ctx: Context): Tensor {
    const y = convTranspose2d(x, this.weight, {
      stride: this.stride,
      padding: this.padding,
      outputPadding: this.outputPadding,
      dilation: this.dilation,
      groups: this.groups,
    });
    return addChannelBias(y, this.bias);
  }
}
