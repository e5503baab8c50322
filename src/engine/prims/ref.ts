// Helpers for the plain typed-array reference implementations.
import { allocate, sizeOf, type DType, type TypedArray } from "../dtype.js";

export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** Strides of `shape` read as if broadcast to `out` (0 along broadcast dimensions). */
export function broadcastStrides(shape: readonly number[], out: readonly number[]): number[] {
  const st = stridesOf(shape);
  const offset = out.length - shape.length;
  return out.map((_, i) => {
    const j = i - offset;
    return j < 0 || shape[j] === 1 ? 0 : st[j];
  });
}

/** Calls visit(outIndex, inOffsets) for every element of `out`, tracking each input's flat offset. */
export function forEachBroadcast(out: readonly number[], ins: readonly (readonly number[])[], visit: (o: number, offs: number[]) => void): void {
  const rank = out.length;
  const strides = ins.map((s) => broadcastStrides(s, out));
  const idx = new Array<number>(rank).fill(0);
  const offs = new Array<number>(ins.length).fill(0);
  const n = sizeOf(out);
  for (let o = 0; o < n; o++) {
    visit(o, offs);
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]++;
      for (let k = 0; k < ins.length; k++) offs[k] += strides[k][d];
      if (idx[d] < out[d]) break;
      for (let k = 0; k < ins.length; k++) offs[k] -= strides[k][d] * out[d];
      idx[d] = 0;
    }
  }
}

export function mapUnary(x: TypedArray, dtype: DType, f: (v: number) => number): TypedArray {
  const out = allocate(dtype, x.length);
  for (let i = 0; i < x.length; i++) out[i] = f(x[i]);
  return out;
}

/** Rounds through the storage type, as the runtime would (float32 results are float32). */
export function mapBinary(a: { data: TypedArray; shape: number[] }, b: { data: TypedArray; shape: number[] }, out: { shape: number[]; dtype: DType }, f: (x: number, y: number) => number): TypedArray {
  const res = allocate(out.dtype, sizeOf(out.shape));
  forEachBroadcast(out.shape, [a.shape, b.shape], (o, offs) => {
    res[o] = f(a.data[offs[0]], b.data[offs[1]]);
  });
  return res;
}

export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] | null {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1;
    const y = b[b.length - rank + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return null;
    out[i] = x === 1 ? y : x;
  }
  return out;
}
