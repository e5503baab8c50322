// Batched matrix multiplication with numpy broadcasting of the batch dimensions.
import { allocate, sizeOf } from "../dtype.js";
import { ShapeError, fmtShape } from "../errors.js";
import type { PrimTable } from "../primitive.js";
import * as ops from "../ops.js";
import { broadcastShapes, broadcastStrides, stridesOf } from "./ref.js";

export const linalgRules: Pick<PrimTable, "matmul"> = {
  matmul: {
    shape: ([a, b]) => {
      if (a.shape.length < 2 || b.shape.length < 2) throw new ShapeError("matmul", `operands must have rank ≥ 2, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}; reshape vectors to [1, n] or [n, 1]`);
      if (a.dtype !== b.dtype) throw new ShapeError("matmul", `dtype mismatch: ${a.dtype} and ${b.dtype}`);
      const [m, k] = a.shape.slice(-2);
      const [k2, n] = b.shape.slice(-2);
      if (k !== k2) throw new ShapeError("matmul", `cannot multiply ${fmtShape(a.shape)} by ${fmtShape(b.shape)}: inner dimensions ${k} and ${k2} differ`);
      const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2));
      if (!batch) throw new ShapeError("matmul", `batch dimensions of ${fmtShape(a.shape)} and ${fmtShape(b.shape)} do not broadcast`);
      return { shape: [...batch, m, n], dtype: a.dtype };
    },
    eval: ([a, b], _attrs, out) => {
      const [m, k] = a.shape.slice(-2);
      const n = b.shape[b.shape.length - 1];
      const batch = out.shape.slice(0, -2);
      const res = allocate(out.dtype, sizeOf(out.shape));
      const sa = broadcastStrides(a.shape.slice(0, -2), batch);
      const sb = broadcastStrides(b.shape.slice(0, -2), batch);
      const bstr = stridesOf(batch);
      const acc = new Float64Array(n);
      for (let bi = 0; bi < sizeOf(batch); bi++) {
        let oa = 0, ob = 0;
        for (let d = 0; d < batch.length; d++) {
          const idx = Math.floor(bi / bstr[d]) % batch[d];
          oa += idx * sa[d];
          ob += idx * sb[d];
        }
        oa *= m * k;
        ob *= k * n;
        for (let i = 0; i < m; i++) {
          acc.fill(0);
          for (let p = 0; p < k; p++) {
            const av = a.data[oa + i * k + p];
            const row = ob + p * n;
            for (let j = 0; j < n; j++) acc[j] += av * b.data[row + j];
          }
          res.set(acc, (bi * m + i) * n);
        }
      }
      return res;
    },
    toOnnx: (b, ins) => b.op1("MatMul", ins),
    // d(AB) = dA·B + A·dB  ⇒  Ā = Ḡ Bᵀ, B̄ = Aᵀ Ḡ (summed over broadcast batch dims)
    vjp: (g, [a, b], _y, _attrs, n) => [
      n[0] ? ops.sumTo(ops.matmul(g, ops.mT(b)), a.shape) : null,
      n[1] ? ops.sumTo(ops.matmul(ops.mT(a), g), b.shape) : null,
    ],
  },
};
