// Max and average pooling (NCHW, floor mode, PyTorch semantics). Their gradients are
// composites of slices, comparisons and transposed convolutions, so they differentiate again.
import { allocate, sizeOf } from "../dtype.js";
import { ShapeError, fmtShape } from "../errors.js";
import type { Pair, PoolAttrs, PrimRule, PrimTable, ValueType } from "../primitive.js";
import { Tensor } from "../tensor.js";
import * as ops from "../ops.js";
import { unslice } from "./layout.js";

function poolShape(op: string) {
  return ([x]: ValueType[], a: PoolAttrs): ValueType => {
    if (x.shape.length !== 4) throw new ShapeError(op, `input must be NCHW (rank 4), got ${fmtShape(x.shape)}`);
    const [n, c, h, w] = x.shape;
    for (const i of [0, 1]) if (a.padding[i] * 2 > a.kernel[i]) throw new ShapeError(op, `padding ${a.padding} must be at most half the kernel ${a.kernel}`);
    const oh = Math.floor((h + 2 * a.padding[0] - a.kernel[0]) / a.stride[0]) + 1;
    const ow = Math.floor((w + 2 * a.padding[1] - a.kernel[1]) / a.stride[1]) + 1;
    if (oh < 1 || ow < 1) throw new ShapeError(op, `kernel ${a.kernel} does not fit the ${h}×${w} input`);
    return { shape: [n, c, oh, ow], dtype: x.dtype };
  };
}

function poolEval(init: number, step: (acc: number, v: number) => number, finish: (acc: number, a: PoolAttrs) => number): PrimRule<"maxPool2d">["eval"] {
  return ([x], a, out) => {
    const [N, C, H, W] = x.shape;
    const [, , OH, OW] = out.shape;
    const res = allocate(out.dtype, sizeOf(out.shape));
    for (let nc = 0; nc < N * C; nc++)
      for (let oh = 0; oh < OH; oh++)
        for (let ow = 0; ow < OW; ow++) {
          let acc = init;
          for (let i = 0; i < a.kernel[0]; i++) {
            const ih = oh * a.stride[0] - a.padding[0] + i;
            for (let j = 0; j < a.kernel[1]; j++) {
              const iw = ow * a.stride[1] - a.padding[1] + j;
              const inside = ih >= 0 && ih < H && iw >= 0 && iw < W;
              acc = step(acc, inside ? x.data[(nc * H + ih) * W + iw] : init);
            }
          }
          res[(nc * OH + oh) * OW + ow] = finish(acc, a);
        }
    return res;
  };
}

const onnxPool = (a: PoolAttrs) => ({ kernel_shape: a.kernel, strides: a.stride, pads: [a.padding[0], a.padding[1], a.padding[0], a.padding[1]] });
const POOL_INTS = ["kernel_shape", "strides", "pads", "count_include_pad"];

/** Window offset (i, j) of every output position: a strided slice of the padded input. */
function windowSlice(xpad: Tensor, y: Tensor, a: PoolAttrs, i: number, j: number): { starts: number[]; steps: number[]; view: Tensor } {
  const [n, c, oh, ow] = y.shape;
  const starts = [0, 0, i, j];
  const steps = [1, 1, a.stride[0], a.stride[1]];
  const ends = [n, c, i + a.stride[0] * (oh - 1) + 1, j + a.stride[1] * (ow - 1) + 1];
  return { starts, steps, view: ops.slice(xpad, starts, ends, steps) };
}

export const poolRules: Pick<PrimTable, "maxPool2d" | "avgPool2d"> = {
  maxPool2d: {
    shape: poolShape("maxPool2d"),
    eval: poolEval(-Infinity, (acc, v) => (Number.isNaN(acc) || v > acc || Number.isNaN(v) ? v : acc), (acc) => acc),
    toOnnx: (b, [x], a) => b.op1("MaxPool", [x], onnxPool(a), POOL_INTS),
    // each output's cotangent goes to the first input in its window that equals the maximum
    vjp: (g, [x], y, a) => {
      const pads: Pair[] = [[0, 0], [0, 0], [a.padding[0], a.padding[0]], [a.padding[1], a.padding[1]]];
      const xpad = ops.pad(x, pads, -Infinity);
      let taken: Tensor | null = null;
      let dxpad: Tensor | null = null;
      for (let i = 0; i < a.kernel[0]; i++)
        for (let j = 0; j < a.kernel[1]; j++) {
          const { starts, steps, view } = windowSlice(xpad, y, a, i, j);
          let hit = ops.cast(ops.equal(view, y), x.dtype);
          if (taken) hit = ops.mul(hit, ops.sub(1, taken));
          taken = taken ? ops.add(taken, hit) : hit;
          const part = unslice(ops.mul(g, hit), xpad.shape, starts, steps);
          dxpad = dxpad ? ops.add(dxpad, part) : part;
        }
      return [ops.slice(dxpad!, [0, 0, a.padding[0], a.padding[1]], [x.shape[0], x.shape[1], a.padding[0] + x.shape[2], a.padding[1] + x.shape[3]])];
    },
  },
  avgPool2d: {
    shape: poolShape("avgPool2d"),
    eval: poolEval(0, (acc, v) => acc + v, (acc, a) => acc / (a.kernel[0] * a.kernel[1])),
    toOnnx: (b, [x], a) => b.op1("AveragePool", [x], { ...onnxPool(a), count_include_pad: 1 }, POOL_INTS),
    // spread each cotangent evenly over its window: a transposed conv with a constant kernel
    vjp: (g, [x], _y, a) => {
      const [n, c, h, w] = x.shape;
      const [oh, ow] = g.shape.slice(2);
      const area = a.kernel[0] * a.kernel[1];
      const weight = new Tensor([1, 1, a.kernel[0], a.kernel[1]], g.dtype, allocate(g.dtype, area).fill(1 / area));
      const opad: Pair = [(h + 2 * a.padding[0] - a.kernel[0]) % a.stride[0], (w + 2 * a.padding[1] - a.kernel[1]) % a.stride[1]];
      const dx = ops.convTranspose2d(ops.reshape(g, [n * c, 1, oh, ow]), weight, { stride: a.stride, padding: a.padding, outputPadding: opad });
      return [ops.reshape(dx, [n, c, h, w])];
    },
  },
};
