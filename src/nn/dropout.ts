// Dropout (Srivastava et al., 2014): in training each element is kept with probability 1 − p
// and scaled by 1/(1 − p); the mask comes from the Context's uniform noise (host-side,
// seeded), so compiled and eager runs with the same noise agree. Identity in evaluation.
import { Tensor, cast, less, mul } from "../engine/index.js";
import type { Context } from "./context.js";
import { Module } from "./module.js";

export class Dropout extends Module {
  readonly p: number;

  constructor(p = 0.5) {
    super();
    if (!(p >= 0 && p <= 1)) throw new Error(`Dropout: p must be in [0, 1], got ${p}`);
    this.p = p;
  }

  forward(x: Tensor, ctx: Context): Tensor {
    if (!ctx.train || this.p === 0) return x;
    if (this.p === 1) return mul(x, 0);
    const u = ctx.uniform(x.shape);
    const keep = cast(less(u, 1 - this.p), x.dtype);
    return mul(x, mul(keep, 1 / (1 - this.p)));
  }
}
