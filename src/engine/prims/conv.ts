// 2-D convolution and transposed convolution (NCHW, PyTorch weight layouts).
// Gradients in plain ops: dX of a conv is a transposed conv (a flipped conv at stride 1) and vice versa; dW is a conv
// of the transposed input with the transposed output gradient (stride and dilation swap roles).
import { allocate, sizeOf } from "../dtype.js";
import { ShapeError, fmtShape } from "../errors.js";
import type { ConvAttrs, Pair, PrimTable, ValueType } from "../primitive.js";
import type { Tensor } from "../tensor.js";
import * as ops from "../ops.js";

function checkConvInputs(op: string, x: ValueType, w: ValueType, groups: number): void {
  if (x.shape.length !== 4) throw new ShapeError(op, `input must be NCHW (rank 4), got ${fmtShape(x.shape)}`);
  if (w.shape.length !== 4) throw new ShapeError(op, `weight must have rank 4, got ${fmtShape(w.shape)}`);
  if (x.dtype !== w.dtype) throw new ShapeError(op, `dtype mismatch: input ${x.dtype}, weight ${w.dtype}`);
  if (!Number.isInteger(groups) || groups < 1) throw new ShapeError(op, `groups must be a positive integer, got ${groups}`);
}

const convOut = (h: number, k: number, s: number, p: number, d: number) => Math.floor((h + 2 * p - d * (k - 1) - 1) / s) + 1;
const convTOut = (h: number, k: number, s: number, p: number, d: number, op: number) => (h - 1) * s - 2 * p + d * (k - 1) + op + 1;

/**
 * dW of y = conv(x, W): [Cy, Cx/groups, kh, kw] from x [N,Cx,H,W] and gy [N,Cy,P,Q].
 * dW[o,c,i,j] = Σₙₚq gy[n,o,p,q]·xpad[n,c,p·s+i·d,q·s+j·d]: a conv over the batch axis.
 */
export function convWeightGrad(x: Tensor, gy: Tensor, a: ConvAttrs, kernel: Pair): Tensor {
  if (a.groups === 1 && a.stride[0] === 1 && a.stride[1] === 1) return unitStrideWeightGrad(x, gy, a, kernel);
  const G = a.groups;
  const cx = x.shape[1] / G;
  const cy = gy.shape[1] / G;
  const parts: Tensor[] = [];
  for (let g = 0; g < G; g++) {
    const xg = ops.transpose(G === 1 ? x : ops.sliceAxis(x, 1, g * cx, (g + 1) * cx), [1, 0, 2, 3]);
    const gg = ops.transpose(G === 1 ? gy : ops.sliceAxis(gy, 1, g * cy, (g + 1) * cy), [1, 0, 2, 3]);
    const full = ops.conv2d(xg, gg, { stride: a.dilation, padding: a.padding, dilation: a.stride });
    const k = ops.slice(full, [0, 0, 0, 0], [cx, cy, kernel[0], kernel[1]]);
    parts.push(ops.transpose(k, [1, 0, 2, 3]));
  }
  return ops.concat(parts, 0);
}

/**
 * The same dW for stride 1 as GEMMs (ONNX Runtime runs the batch-axis conv above at a few GFLOP/s
 * for unit strides): per image and kernel offset from 16 input channels up, else one matmul of
 * patches of the padded input (im2col, kh·kw slices) against the output gradient, contracting over
 * batch and positions at once.
 */
function unitStrideWeightGrad(x: Tensor, gy: Tensor, a: ConvAttrs, kernel: Pair): Tensor {
  const [n, c] = x.shape;
  const [, o, p, q] = gy.shape;
  const [kh, kw] = kernel;
  if (c >= PER_IMAGE_MIN_CHANNELS) return perImageWeightGrad(x, gy, a, kernel);
  const xpad = ops.pad(x, [[0, 0], [0, 0], [a.padding[0], a.padding[0]], [a.padding[1], a.padding[1]]]);
  const patches: Tensor[] = [];
  for (let i = 0; i < kh; i++)
    for (let j = 0; j < kw; j++) {
      const [r, s] = [i * a.dilation[0], j * a.dilation[1]];
      patches.push(ops.slice(xpad, [0, 0, r, s], [n, c, r + p, s + q]));
    }
  // cols[c·kh·kw, n·p·q]; dW[o, c·kh·kw] = gy[o, n·p·q] · colsᵀ
  const stacked = patches.length === 1 ? ops.reshape(patches[0], [n, c, 1, p, q]) : ops.stack(patches, 2);
  const cols = ops.reshape(ops.transpose(stacked, [1, 2, 0, 3, 4]), [c * kh * kw, n * p * q]);
  const g2 = ops.reshape(ops.transpose(gy, [1, 0, 2, 3]), [o, n * p * q]);
  return ops.reshape(ops.matmul(g2, ops.mT(cols)), [o, c, kh, kw]);
}

/** Below this many input channels the per-image GEMMs are matrix-vector products: stack instead. */
const PER_IMAGE_MIN_CHANNELS = 16;

/**
 * Stride-1 dW as per-image GEMMs summed over the batch, one batched GEMM per kernel offset (i, j):
 * dW[:, :, i, j] = Σₙ gy[n] · x_ij[n]ᵀ, with gy[n] [o, p·q] and x_ij[n] [c, p·q] the padded image
 * shifted by (i, j). Neither x nor gy is transposed (ONNX Runtime folds the ᵀ into the batched
 * GEMM), and a 1×1 conv needs no slice at all. Per op at one thread (bench/NOTES.md, session 6):
 * pixelcnn's 1×1 64→32 dW 2.2 → 1.0 ms, 3×3 32→32 7.3 → 6.8 ms, against one GEMM over
 * transposed copies with the batch in the contraction.
 */
function perImageWeightGrad(x: Tensor, gy: Tensor, a: ConvAttrs, kernel: Pair): Tensor {
  const [n, c, h, w] = x.shape;
  const [, o, p, q] = gy.shape;
  const [kh, kw] = kernel;
  const xpad = ops.pad(x, [[0, 0], [0, 0], [a.padding[0], a.padding[0]], [a.padding[1], a.padding[1]]]);
  const g = ops.reshape(gy, [n, o, p * q]);
  const parts: Tensor[] = [];
  for (let i = 0; i < kh; i++)
    for (let j = 0; j < kw; j++) {
      const [r, s] = [i * a.dilation[0], j * a.dilation[1]];
      const whole = r === 0 && s === 0 && p === h + 2 * a.padding[0] && q === w + 2 * a.padding[1];
      const shifted = ops.reshape(whole ? xpad : ops.slice(xpad, [0, 0, r, s], [n, c, r + p, s + q]), [n, c, p * q]);
      parts.push(ops.sum(ops.matmul(g, ops.mT(shifted)), 0)); // [o, c]
    }
  return parts.length === 1 ? ops.reshape(parts[0], [o, c, 1, 1]) : ops.reshape(ops.stack(parts, 2), [o, c, kh, kw]);
}

/** dX of a stride-1, ungrouped conv as a conv needs padding d·(k−1) − p ≥ 0 on both axes. */
const unitStrideInputGradFits = (a: ConvAttrs, kernel: Pair): boolean =>
  a.groups === 1 && a.stride[0] === 1 && a.stride[1] === 1 && [0, 1].every((i) => a.dilation[i] * (kernel[i] - 1) >= a.padding[i]);

/**
 * dX of a stride-1 conv as a plain conv of the output gradient: the kernel with in/out channels
 * swapped and flipped in space, padding d·(k−1) − p. ONNX Runtime's Conv runs these 1.1–2× faster
 * than its ConvTranspose (per-image GEMM, then a single-threaded col2im; bench/NOTES.md session 5).
 */
function unitStrideInputGrad(g: Tensor, w: Tensor, a: ConvAttrs): Tensor {
  const [kh, kw] = [w.shape[2], w.shape[3]];
  const flipped = reverseAxis(reverseAxis(ops.transpose(w, [1, 0, 2, 3]), 2), 3);
  const padding: Pair = [a.dilation[0] * (kh - 1) - a.padding[0], a.dilation[1] * (kw - 1) - a.padding[1]];
  return ops.conv2d(g, flipped, { stride: [1, 1], padding, dilation: a.dilation, groups: 1 });
}

/** x with one axis in reverse order (slices of one, concatenated backwards; kernels are small). */
function reverseAxis(x: Tensor, axis: number): Tensor {
  const n = x.shape[axis];
  if (n === 1) return x;
  return ops.concat(Array.from({ length: n }, (_, i) => ops.sliceAxis(x, axis, n - 1 - i, n - i)), axis);
}

function convAttrsOnnx(a: ConvAttrs, kernel: number[]) {
  return {
    kernel_shape: kernel,
    strides: a.stride,
    pads: [a.padding[0], a.padding[1], a.padding[0], a.padding[1]],
    dilations: a.dilation,
    group: a.groups,
  };
}
const CONV_INTS = ["kernel_shape", "strides", "pads", "dilations", "group", "output_padding"];

export const convRules: Pick<PrimTable, "conv2d" | "convTranspose2d"> = {
  conv2d: {
    shape: ([x, w], a) => {
      checkConvInputs("conv2d", x, w, a.groups);
      const [n, c, h, wd] = x.shape;
      const [o, ci, kh, kw] = w.shape;
      if (c % a.groups !== 0 || o % a.groups !== 0) throw new ShapeError("conv2d", `groups=${a.groups} must divide the input channels (${c}) and output channels (${o})`);
      if (ci * a.groups !== c) throw new ShapeError("conv2d", `input ${fmtShape(x.shape)} has ${c} channels but weight ${fmtShape(w.shape)} expects ${ci * a.groups} (weight dim 1 × groups=${a.groups})`);
      const oh = convOut(h, kh, a.stride[0], a.padding[0], a.dilation[0]);
      const ow = convOut(wd, kw, a.stride[1], a.padding[1], a.dilation[1]);
      if (oh < 1 || ow < 1) throw new ShapeError("conv2d", `kernel ${kh}×${kw} (dilation ${a.dilation}) does not fit the padded ${h}×${wd} input`);
      return { shape: [n, o, oh, ow], dtype: x.dtype };
    },
    eval: ([x, w], a, out) => {
      const [N, C, H, W] = x.shape;
      const [O, Cg, KH, KW] = w.shape;
      const [, , OH, OW] = out.shape;
      const Og = O / a.groups;
      const res = allocate(out.dtype, sizeOf(out.shape));
      const [sh, sw] = a.stride, [ph, pw] = a.padding, [dh, dw] = a.dilation;
      for (let n = 0; n < N; n++)
        for (let o = 0; o < O; o++) {
          const g = Math.floor(o / Og);
          for (let oh = 0; oh < OH; oh++)
            for (let ow = 0; ow < OW; ow++) {
              let acc = 0;
              for (let c = 0; c < Cg; c++) {
                const xc = ((n * C + g * Cg + c) * H) * W;
                const wc = ((o * Cg + c) * KH) * KW;
                for (let i = 0; i < KH; i++) {
                  const ih = oh * sh - ph + i * dh;
                  if (ih < 0 || ih >= H) continue;
                  for (let j = 0; j < KW; j++) {
                    const iw = ow * sw - pw + j * dw;
                    if (iw < 0 || iw >= W) continue;
                    acc += x.data[xc + ih * W + iw] * w.data[wc + i * KW + j];
                  }
                }
              }
              res[((n * O + o) * OH + oh) * OW + ow] = acc;
            }
        }
      return res;
    },
    toOnnx: (b, ins, a, t) => b.op1("Conv", ins, convAttrsOnnx(a, t.inputs[1].shape.slice(2)), CONV_INTS),
    vjp: (g, [x, w], _y, a, need) => {
      const [kh, kw] = [w.shape[2], w.shape[3]];
      // output_padding recovers the input rows a strided conv skipped at the bottom/right
      const opad: Pair = [0, 1].map((i) => (x.shape[2 + i] + 2 * a.padding[i] - a.dilation[i] * ((i ? kw : kh) - 1) - 1) % a.stride[i]) as Pair;
      return [
        need[0] ? (unitStrideInputGradFits(a, [kh, kw]) ? unitStrideInputGrad(g, w, a) : ops.convTranspose2d(g, w, { ...a, outputPadding: opad })) : null,
        need[1] ? convWeightGrad(x, g, a, [kh, kw]) : null,
      ];
    },
  },
  convTranspose2d: {
    shape: ([x, w], a) => {
      checkConvInputs("convTranspose2d", x, w, a.groups);
      const [n, c, h, wd] = x.shape;
      const [ci, cog, kh, kw] = w.shape;
      if (ci !== c) throw new ShapeError("convTranspose2d", `input ${fmtShape(x.shape)} has ${c} channels but weight ${fmtShape(w.shape)} expects ${ci} (weight dim 0)`);
      if (c % a.groups !== 0) throw new ShapeError("convTranspose2d", `groups=${a.groups} must divide the input channels (${c})`);
      for (const i of [0, 1]) {
        if (a.outputPadding[i] >= Math.max(a.stride[i], a.dilation[i])) throw new ShapeError("convTranspose2d", `outputPadding ${a.outputPadding} must be smaller than stride or dilation`);
      }
      const oh = convTOut(h, kh, a.stride[0], a.padding[0], a.dilation[0], a.outputPadding[0]);
      const ow = convTOut(wd, kw, a.stride[1], a.padding[1], a.dilation[1], a.outputPadding[1]);
      if (oh < 1 || ow < 1) throw new ShapeError("convTranspose2d", `padding ${a.padding} leaves no output for a ${h}×${wd} input`);
      return { shape: [n, cog * a.groups, oh, ow], dtype: x.dtype };
    },
    eval: ([x, w], a, out) => {
      const [N, C, H, W] = x.shape;
      const [, COg, KH, KW] = w.shape;
      const [, CO, OH, OW] = out.shape;
      const Cg = C / a.groups;
      const res = allocate(out.dtype, sizeOf(out.shape));
      const [sh, sw] = a.stride, [ph, pw] = a.padding, [dh, dw] = a.dilation;
      for (let n = 0; n < N; n++)
        for (let c = 0; c < C; c++) {
          const g = Math.floor(c / Cg);
          for (let h = 0; h < H; h++)
            for (let wi = 0; wi < W; wi++) {
              const xv = x.data[((n * C + c) * H + h) * W + wi];
              for (let co = 0; co < COg; co++) {
                const ob = (n * CO + g * COg + co) * OH;
                const wb = ((c * COg + co) * KH) * KW;
                for (let i = 0; i < KH; i++) {
                  const oh = h * sh - ph + i * dh;
                  if (oh < 0 || oh >= OH) continue;
                  for (let j = 0; j < KW; j++) {
                    const ow = wi * sw - pw + j * dw;
                    if (ow < 0 || ow >= OW) continue;
                    res[(ob + oh) * OW + ow] += xv * w.data[wb + i * KW + j];
                  }
                }
              }
            }
        }
      return res;
    },
    toOnnx: (b, ins, a, t) => {
      const attrs = { ...convAttrsOnnx(a, t.inputs[1].shape.slice(2)), output_padding: a.outputPadding };
      if (a.outputPadding.every((op, i) => op < a.stride[i])) return b.op1("ConvTranspose", ins, attrs, CONV_INTS);
      // ONNX Runtime refuses output_padding ≥ stride (allowed here, as in PyTorch, when below the
      // dilation): trim less at the bottom/right instead, and zero-pad what lies beyond the scatter.
      const [p, op] = [a.padding, a.outputPadding];
      const end = [0, 1].map((i) => Math.max(p[i] - op[i], 0));
      const extra = [0, 1].map((i) => Math.max(op[i] - p[i], 0));
      const y = b.op1("ConvTranspose", ins, { ...attrs, pads: [p[0], p[1], end[0], end[1]], output_padding: [0, 0] }, CONV_INTS);
      if (extra[0] === 0 && extra[1] === 0) return y;
      return b.op1("Pad", [y, b.int64([0, 0, 0, 0, 0, 0, extra[0], extra[1]]), b.scalar(0, t.out.dtype)], { mode: "constant" });
    },
    vjp: (g, [x, w], _y, a, need) => [
      // the conv of g has floor(outputPadding/stride) extra rows/columns when outputPadding ≥ stride
      need[0] ? ops.slice(ops.conv2d(g, w, a), [0, 0, 0, 0], [...x.shape]) : null,
      need[1] ? convWeightGrad(g, x, a, [w.shape[2], w.shape[3]]) : null,
    ],
  },
};
