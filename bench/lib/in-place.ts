// A hand-written compiled step whose first outputs are a packed gradient's pieces, called the way
// optim's trainStep and the CLI trainer call theirs: the pieces written straight into the host
// update's gradient slot once the parameters live in its arena (no copy in the update).
import type { Compiled, PackSpec, Tensor } from "../../src/engine/index.js";
import { gradientPlaces } from "../../src/optim/host/arena.js";

export function intoSlot<A extends unknown[], R>(f: Compiled<A, R>, params: Tensor, spec: PackSpec, ...args: A): Promise<R> {
  const into = gradientPlaces(params, spec);
  return into ? f.callInto(into, ...args) : f(...args);
}
