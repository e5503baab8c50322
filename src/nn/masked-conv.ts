// Masked convolution for PixelCNN (van den Oord et al., "Pixel Recurrent Neural Networks",
// 2016): the kernel sees only pixels above the centre row and left of the centre pixel, and
// (type B) the centre pixel itself; type A, for the first layer, excludes the centre so no
// output depends on its own input pixel. The mask multiplies the weight in the forward, so
// the masked weights get zero gradient and stay whatever they were initialized to.
// Rows below the centre are all masked, so the forward convolves with the kept rows only (same
// output, (c+1)/k of the work: 6/9 for a 3×3 kernel, 28/49 for 7×7), padding the input's bottom less.
import { Tensor, conv2d, mul, pad, slice } from "../engine/index.js";
import { allocate } from "../engine/dtype.js";
import type { Context } from "./context.js";
import { Conv2d, addChannelBias, toPair, type ConvInit, type IntOrPair, type Pair } from "./conv.js";

export type MaskType = "A" | "B";

export interface MaskedConvInit extends ConvInit {
  maskType: MaskType;
}

/** The [kh, kw] causal mask: 1 above the centre row, and left of (type B: up to) the centre in its row. */
export function causalMask(kernel: Pair, maskType: MaskType, dtype: Tensor["dtype"] = "float32"): Tensor {
  const [kh, kw] = kernel;
  const ch = Math.floor(kh / 2);
  const cw = Math.floor(kw / 2);
  const data = allocate(dtype, kh * kw);
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) data[i * kw + j] = i < ch || (i === ch && (j < cw || (maskType === "B" && j === cw))) ? 1 : 0;
  }
  return new Tensor([kh, kw], dtype, data);
}

export class MaskedConv2d extends Conv2d {
  readonly maskType: MaskType;

  /** Padding defaults to half the kernel ("same" output size for odd kernels at stride 1). */
  constructor(inChannels: number, outChannels: number, kernelSize: IntOrPair, opts: MaskedConvInit) {
    const k = toPair(kernelSize);
    super(inChannels, outChannels, k, { ...opts, padding: opts.padding ?? [Math.floor(k[0] / 2), Math.floor(k[1] / 2)] });
    if (opts.maskType !== "A" && opts.maskType !== "B") throw new Error(`MaskedConv2d: maskType must be "A" or "B", got ${String(opts.maskType)}`);
    this.maskType = opts.maskType;
  }

  /** The weight as the convolution sees it (masked). */
  maskedWeight(weight: Tensor = this.weight): Tensor {
    return mul(weight, causalMask(this.kernelSize, this.maskType, weight.dtype));
  }

  override forward(x: Tensor, _ctx: Context): Tensor {
    const weight = this.maskedWeight();
    const [kh, kw] = this.kernelSize;
    const rows = Math.floor(kh / 2) + 1;
    // rows below the centre see input rows the kept ones don't: pad the bottom by that much less
    const bottom = this.padding[0] - this.dilation[0] * (kh - rows);
    if (rows === kh || bottom < 0) return this.convolve(x, weight);
    const kept = slice(weight, [0, 0, 0, 0], [weight.shape[0], weight.shape[1], rows, kw]);
    const padded = pad(x, [[0, 0], [0, 0], [this.padding[0], bottom], [0, 0]]);
    const y = conv2d(padded, kept, { stride: this.stride, padding: [0, this.padding[1]], dilation: this.dilation, groups: this.groups });
    return addChannelBias(y, this.bias);
  }
}
