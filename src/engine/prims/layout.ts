// Layout primitives: reshape, transpose, expand, concat, slice, pad, gather.
import { allocate, sizeOf, type TypedArray } from "../dtype.js";
import { ShapeError, fmtShape } from "../errors.js";
import type { Pair, PrimTable } from "../primitive.js";
import type { Tensor } from "../tensor.js";
import * as ops from "../ops.js";
import { forEachBroadcast, stridesOf } from "./ref.js";

/** Place g (the result of a strided slice) back into a zero tensor of `full` shape: the slice's VJP. */
export function unslice(g: Tensor, full: readonly number[], starts: readonly number[], steps: readonly number[]): Tensor {
  let t = g;
  for (let a = 0; a < full.length; a++) {
    const s = steps[a];
    const n = t.shape[a];
    if (s === 1 || n === 0) continue;
    // interleave s−1 zeros after every element along axis a, then trim the trailing ones
    const spread = ops.reshape(t, [...t.shape.slice(0, a), n, 1, ...t.shape.slice(a + 1)]);
    const padded = ops.pad(spread, [...t.shape.slice(0, a).map((): Pair => [0, 0]), [0, 0], [0, s - 1], ...t.shape.slice(a + 1).map((): Pair => [0, 0])]);
    const merged = ops.reshape(padded, [...t.shape.slice(0, a), n * s, ...t.shape.slice(a + 1)]);
    t = ops.sliceAxis(merged, a, 0, (n - 1) * s + 1);
  }
  return ops.pad(t, full.map((d, a): Pair => [starts[a], d - starts[a] - t.shape[a]]));
}

function copyBlock(src: TypedArray, srcShape: readonly number[], dst: TypedArray, dstShape: readonly number[], offsetsInDst: readonly number[], stepsInSrc?: readonly number[], startsInSrc?: readonly number[]): void {
  // generic strided copy: dst[offsetsInDst + i] = src[startsInSrc + i·steps] for every index i of the block
  const block = startsInSrc ? dstShape : srcShape;
  const sStr = stridesOf(srcShape);
  const dStr = stridesOf(dstShape);
  const rank = block.length;
  const idx = new Array<number>(rank).fill(0);
  const n = sizeOf(block);
  for (let k = 0; k < n; k++) {
    let so = 0, dof = 0;
    for (let d = 0; d < rank; d++) {
      so += ((startsInSrc?.[d] ?? 0) + idx[d] * (stepsInSrc?.[d] ?? 1)) * sStr[d];
      dof += (idx[d] + offsetsInDst[d]) * dStr[d];
    }
    dst[dof] = src[so];
    for (let d = rank - 1; d >= 0; d--) {
      if (++idx[d] < block[d]) break;
      idx[d] = 0;
    }
  }
}

export const layoutRules: Pick<PrimTable, "reshape" | "transpose" | "expand" | "concat" | "slice" | "pad" | "gather"> = {
  reshape: {
    shape: ([x], { shape }) => {
      if (sizeOf(shape) !== sizeOf(x.shape)) throw new ShapeError("reshape", `cannot reshape ${fmtShape(x.shape)} (${sizeOf(x.shape)} elements) to ${fmtShape(shape)} (${sizeOf(shape)} elements)`);
      return { shape: [...shape], dtype: x.dtype };
    },
    eval: ([x]) => x.data.slice(),
    toOnnx: (b, [x], { shape }) => b.op1("Reshape", [x, b.int64(shape)]),
    vjp: (g, [x]) => [ops.reshape(g, x.shape)],
  },
  transpose: {
    shape: ([x], { perm }) => {
      const ok = perm.length === x.shape.length && [...perm].sort((a, b) => a - b).every((v, i) => v === i);
      if (!ok) throw new ShapeError("transpose", `perm ${fmtShape(perm)} is not a permutation of the ${x.shape.length} axes of ${fmtShape(x.shape)}`);
      return { shape: perm.map((p) => x.shape[p]), dtype: x.dtype };
    },
    eval: ([x], { perm }, out) => {
      const res = allocate(out.dtype, x.data.length);
      const inStr = stridesOf(x.shape);
      const permuted = perm.map((p) => inStr[p]);
      const rank = out.shape.length;
      const idx = new Array<number>(rank).fill(0);
      let src = 0;
      for (let o = 0; o < res.length; o++) {
        res[o] = x.data[src];
        for (let d = rank - 1; d >= 0; d--) {
          idx[d]++;
          src += permuted[d];
          if (idx[d] < out.shape[d]) break;
          src -= permuted[d] * out.shape[d];
          idx[d] = 0;
        }
      }
      return res;
    },
    toOnnx: (b, [x], { perm }) => b.op1("Transpose", [x], { perm }, ["perm"]),
    vjp: (g, _x, _y, { perm }) => {
      const inv = new Array<number>(perm.length);
      perm.forEach((p, i) => (inv[p] = i));
      return [ops.transpose(g, inv)];
    },
  },
  expand: {
    shape: ([x], { shape }) => {
      const ok = shape.length === x.shape.length && x.shape.every((d, i) => d === shape[i] || d === 1);
      if (!ok) throw new ShapeError("expand", `cannot broadcast ${fmtShape(x.shape)} to ${fmtShape(shape)}`);
      return { shape: [...shape], dtype: x.dtype };
    },
    eval: ([x], _a, out) => {
      const res = allocate(out.dtype, sizeOf(out.shape));
      forEachBroadcast(out.shape, [x.shape], (o, offs) => (res[o] = x.data[offs[0]]));
      return res;
    },
    toOnnx: (b, [x], { shape }) => b.op1("Expand", [x, b.int64(shape)]),
    vjp: (g, [x]) => [ops.sumTo(g, x.shape)],
  },
  concat: {
    shape: (xs, { axis }) => {
      const first = xs[0];
      if (axis < 0 || axis >= first.shape.length) throw new ShapeError("concat", `axis ${axis} out of range for rank ${first.shape.length}`);
      let total = 0;
      for (const x of xs) {
        const same = x.shape.length === first.shape.length && x.shape.every((d, i) => i === axis || d === first.shape[i]);
        if (!same) throw new ShapeError("concat", `shapes ${xs.map((v) => fmtShape(v.shape)).join(", ")} differ outside axis ${axis}`);
        if (x.dtype !== first.dtype) throw new ShapeError("concat", `dtypes differ: ${xs.map((v) => v.dtype).join(", ")}`);
        total += x.shape[axis];
      }
      return { shape: first.shape.map((d, i) => (i === axis ? total : d)), dtype: first.dtype };
    },
    eval: (xs, { axis }, out) => {
      const res = allocate(out.dtype, sizeOf(out.shape));
      let at = 0;
      for (const x of xs) {
        copyBlock(x.data, x.shape, res, out.shape, out.shape.map((_, i) => (i === axis ? at : 0)));
        at += x.shape[axis];
      }
      return res;
    },
    toOnnx: (b, ins, { axis }) => b.op1("Concat", ins, { axis }, ["axis"]),
    vjp: (g, xs, _y, { axis }, needs) => {
      let at = 0;
      return xs.map((x, i) => {
        const part = needs[i] ? ops.sliceAxis(g, axis, at, at + x.shape[axis]) : null;
        at += x.shape[axis];
        return part;
      });
    },
  },
  slice: {
    shape: ([x], { starts, ends, steps }) => {
      const r = x.shape.length;
      if (starts.length !== r || ends.length !== r || steps.length !== r) throw new ShapeError("slice", `starts/ends/steps need one entry per axis of ${fmtShape(x.shape)}`);
      const shape = x.shape.map((d, i) => {
        if (!(0 <= starts[i] && starts[i] <= ends[i] && ends[i] <= d && steps[i] >= 1)) throw new ShapeError("slice", `bad range [${starts[i]}:${ends[i]}:${steps[i]}] on axis ${i} of ${fmtShape(x.shape)}`);
        return Math.ceil((ends[i] - starts[i]) / steps[i]);
      });
      return { shape, dtype: x.dtype };
    },
    eval: ([x], { starts, steps }, out) => {
      const res = allocate(out.dtype, sizeOf(out.shape));
      copyBlock(x.data, x.shape, res, out.shape, out.shape.map(() => 0), steps, starts);
      return res;
    },
    toOnnx: (b, [x], { starts, ends, steps }) => {
      const axes = starts.map((_, i) => i);
      return b.op1("Slice", [x, b.int64(starts), b.int64(ends), b.int64(axes), b.int64(steps)]);
    },
    vjp: (g, [x], _y, { starts, steps }) => [unslice(g, x.shape, starts, steps)],
  },
  pad: {
    shape: ([x], { pads }) => {
      if (pads.length !== x.shape.length || pads.some(([a, c]) => a < 0 || c < 0)) throw new ShapeError("pad", `pads must be non-negative [before, after] pairs, one per axis of ${fmtShape(x.shape)}`);
      return { shape: x.shape.map((d, i) => d + pads[i][0] + pads[i][1]), dtype: x.dtype };
    },
    eval: ([x], { pads, value }, out) => {
      const res = allocate(out.dtype, sizeOf(out.shape)).fill(value);
      copyBlock(x.data, x.shape, res, out.shape, pads.map((p) => p[0]));
      return res;
    },
    toOnnx: (b, [x], { pads, value }, t) => {
      const flat = [...pads.map((p) => p[0]), ...pads.map((p) => p[1])];
      return b.op1("Pad", [x, b.int64(flat), b.scalar(value, t.inputs[0].dtype)], { mode: "constant" });
    },
    vjp: (g, [x], _y, { pads }) => [ops.slice(g, pads.map((p) => p[0]), pads.map((p, i) => p[0] + x.shape[i]))],
  },
  gather: {
    shape: ([table, idx]) => {
      if (idx.dtype !== "int32") throw new ShapeError("gather", `indices must be int32, got ${idx.dtype}`);
      if (table.shape.length < 1) throw new ShapeError("gather", "cannot gather from a scalar");
      return { shape: [...idx.shape, ...table.shape.slice(1)], dtype: table.dtype };
    },
    eval: ([table, idx], _a, out) => {
      const rows = table.shape[0];
      const width = sizeOf(table.shape.slice(1));
      const res = allocate(out.dtype, sizeOf(out.shape));
      for (let i = 0; i < idx.data.length; i++) {
        const r = idx.data[i] < 0 ? idx.data[i] + rows : idx.data[i];
        if (r < 0 || r >= rows) throw new RangeError(`gather: index ${idx.data[i]} is out of range for ${rows} rows`);
        res.set(table.data.subarray(r * width, (r + 1) * width), i * width);
      }
      return res;
    },
    toOnnx: (b, ins) => b.op1("Gather", ins, { axis: 0 }, ["axis"]),
    // scatter-add of the rows' cotangents, written as oneHot(idx)ᵀ · g
    // (negative indices count from the end, as in eval, so wrap them before the one-hot)
    vjp: (g, [table, idx]) => {
      const m = idx.size;
      const width = sizeOf(table.shape.slice(1));
      const flat = ops.reshape(idx, [m]);
      const wrapped = ops.where(ops.less(flat, 0), ops.add(flat, table.shape[0]), flat);
      const hot = ops.oneHot(wrapped, table.shape[0], g.dtype);
      return [ops.reshape(ops.matmul(ops.mT(hot), ops.reshape(g, [m, width])), table.shape), null];
    },
  },
};
