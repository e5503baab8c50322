// Stochastic gradient descent as torch.optim.SGD (dampening 0): g ← g + wd·p;
// buf ← momentum·buf + g (buf starts at zero, so the first step sets buf = g as PyTorch does);
// Nesterov: g ← g + momentum·buf, else g ← buf; p ← p − lr·g.
import { Tensor, add, mul, sub } from "../engine/index.js";
import { sgdHost } from "./host/sgd.js";
import { learningRate, dtypeOfTree, perLeaf, zerosLikeTree, type Optimizer } from "./optimizer.js";

export interface SgdOptions {
  lr?: number;
  momentum?: number;
  nesterov?: boolean;
  weightDecay?: number;
}

export interface SgdState {
  /** PyTorch's momentum_buffer, shaped like the parameters (null without momentum). */
  momentumBuffer: any;
}

export function sgd(opts: SgdOptions = {}): Optimizer<SgdState> {
  const lr0 = opts.lr ?? 1e-2;
  const momentum = opts.momentum ?? 0;
  const nesterov = opts.nesterov ?? false;
  const wd = opts.weightDecay ?? 0;
  if (nesterov && momentum <= 0) throw new Error("sgd: Nesterov momentum needs momentum > 0");
  return {
    name: "sgd",
    lr: lr0,
    host: sgdHost({ momentum, nesterov, weightDecay: wd }),
    init: (params) => ({ momentumBuffer: momentum ? zerosLikeTree(params) : null }),
    update(grads, state, params, lr) {
      const rate = learningRate(lr, lr0, dtypeOfTree(params));
      const trees = momentum ? [params, grads, state.momentumBuffer] : [params, grads];
      const r = perLeaf<"p" | "buf">("sgd", trees, ([p, g0, buf0]) => {
        let g = wd ? add(g0, mul(p, wd)) : g0;
        if (!momentum) return { p: sub(p, mul(g, rate)) } as Record<"p" | "buf", Tensor>;
        const buf = add(mul(buf0, momentum), g);
        g = nesterov ? add(g, mul(buf, momentum)) : buf;
        return { p: sub(p, mul(g, rate)), buf };
      });
      return { params: r.p, state: { momentumBuffer: momentum ? r.buf : null } };
    },
  };
}
