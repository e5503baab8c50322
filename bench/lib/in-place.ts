// A hand-written compiled step whose first outputs are a packed gradient's pieces, called the way
// optim's trainStep and the CLI trainer call theirs: the pieces written straight into the host
// update's gradient slot once the parameters live in its arena (no copy in the update).
import type { Compiled, PackSpec, Tensor } from "../../src/engine/index.js";
import { gradientSlot } from "../../src/optim/host/arena.js";

export function intoSlot<A extends unknown[], R>(f: Compiled<A, R>, params: Tensor, spec: PackSpec, ...args: A): Promise<R> {
  const slot = params.dtype === "float32" ? gradientSlot(params.values() as Float32Array) : null;
  if (!slot) return f(...args);
  return f.callInto(new Map(spec.entries.map((e, k) => [k, slot.subarray(e.offset, e.offset + e.size)])), ...args);
}
