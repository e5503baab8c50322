// Exponential moving average of parameters, in-graph: ema ← decay·ema + (1 − decay)·params
// (after each update), the weights GANs and diffusion-style models sample with.
import { add, mul, flattenTree, mapTree } from "../engine/index.js";
import type { Optimizer } from "./optimizer.js";
import { perLeaf } from "./optimizer.js";
import { Tensor } from "../engine/index.js";
import { emaHost } from "./host/ema.js";

export function emaUpdate<T>(ema: T, params: T, decay: number): T {
  return perLeaf("emaUpdate", [ema, params], ([e, p]) => ({ e: add(mul(e, decay), mul(p, 1 - decay)) })).e;
}

/** A host-side copy of a tree of concrete tensors (the EMA's starting point). */
export function copyTree<T>(tree: T): T {
  return mapTree(tree, (t) => new Tensor(t.shape, t.dtype, t.values().slice()));
}

export interface EmaState<S> {
  inner: S;
  /** The averaged parameters, shaped like the parameters. */
  ema: any;
}

/** An optimizer that also keeps an EMA of the parameters in its state. */
export function withEma<S>(opt: Optimizer<S>, decay: number): Optimizer<EmaState<S>> {
  if (!(decay >= 0 && decay < 1)) throw new Error(`withEma: decay must be in [0, 1), got ${decay}`);
  return {
    name: `${opt.name}+ema`,
    lr: opt.lr,
    init: (params) => {
      if (flattenTree(params).leaves.some((t) => t.isSymbolic)) throw new Error("withEma: init needs concrete parameters");
      return { inner: opt.init(params), ema: copyTree(params) };
    },
    update(grads, state, params, lr) {
      const r = opt.update(grads, state.inner, params, lr);
      return { params: r.params, state: { inner: r.state, ema: emaUpdate(state.ema, r.params, decay) } };
    },
    host: opt.host ? emaHost(opt.host, decay) : undefined,
  };
}
