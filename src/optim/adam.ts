// Adam (Kingma & Ba, 2015) and AdamW (Loshchilov & Hutter, 2019) with torch.optim's exact
// formulas: t ← t + 1; Adam's weight decay is L2 in the gradient (g ← g + wd·p), AdamW's is
// decoupled (p ← p·(1 − lr·wd) first); m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²;
// p ← p − (lr/(1−β₁ᵗ))·m / (√v/√(1−β₂ᵗ) + ε). The step count is a tensor in the state, so the
// bias correction happens in-graph.
import { Tensor, add, div, mul, pow, scalar, sqrt, sub } from "../engine/index.js";
import { adamHost } from "./host/adam.js";
import { learningRate, dtypeOfTree, perLeaf, zeroStep, zerosLikeTree, type Optimizer } from "./optimizer.js";

export interface AdamOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
}

export interface AdamState {
  /** Steps taken (a scalar tensor of the parameters' dtype). */
  step: Tensor;
  /** First moment (PyTorch's exp_avg), shaped like the parameters. */
  expAvg: any;
  /** Second moment (PyTorch's exp_avg_sq). */
  expAvgSq: any;
}

function adamFamily(name: string, decoupled: boolean, opts: AdamOptions, defaultWd: number): Optimizer<AdamState> {
  const lr0 = opts.lr ?? 1e-3;
  const [b1, b2] = opts.betas ?? [0.9, 0.999];
  const eps = opts.eps ?? 1e-8;
  const wd = opts.weightDecay ?? defaultWd;
  return {
    name,
    lr: lr0,
    host: adamHost(name, { b1, b2, eps, weightDecay: wd, decoupled }),
    init: (params) => ({ step: zeroStep(dtypeOfTree(params)), expAvg: zerosLikeTree(params), expAvgSq: zerosLikeTree(params) }),
    update(grads, state, params, lr) {
      const dtype = dtypeOfTree(params);
      const rate = learningRate(lr, lr0, dtype);
      const step = add(state.step, 1);
      const bc1 = sub(1, pow(scalar(b1, dtype), step));
      const bc2 = sub(1, pow(scalar(b2, dtype), step));
      const bc2Sqrt = sqrt(bc2);
      // (lr/bc1)·m/(√v/√bc2 + ε) = (lr·√bc2/bc1)·m/(√v + ε√bc2): one pass fewer per element
      const stepSize = div(mul(rate, bc2Sqrt), bc1);
      const epsScaled = mul(bc2Sqrt, eps);
      const shrink = typeof rate === "number" ? 1 - rate * wd : sub(1, mul(rate, wd));
      const r = perLeaf(name, [params, grads, state.expAvg, state.expAvgSq], ([p0, g0, m0, v0]) => {
        let p = p0;
        let g = g0;
        if (wd && decoupled) p = mul(p, shrink);
        else if (wd) g = add(g, mul(p, wd));
        const m = add(mul(m0, b1), mul(g, 1 - b1));
        const v = add(mul(v0, b2), mul(mul(g, g), 1 - b2));
        const denom = add(sqrt(v), epsScaled);
        return { p: sub(p, mul(div(m, denom), stepSize)), m, v };
      });
      return { params: r.p, state: { step, expAvg: r.m, expAvgSq: r.v } };
    },
  };
}

/** torch.optim.Adam (weight decay as an L2 term in the gradient; default 0). */
export function adam(opts: AdamOptions = {}): Optimizer<AdamState> {
  return adamFamily("adam", false, opts, 0);
}

/** torch.optim.AdamW (decoupled weight decay; default 0.01 as PyTorch). */
export function adamw(opts: AdamOptions = {}): Optimizer<AdamState> {
  return adamFamily("adamw", true, opts, 0.01);
}
