// The optimizer goldens' problem (optim.json) in Eikon ops, and optimizers built from its configs.
import { Tensor, add, div, log1p, matmul, mT, mul, sub, sum, tanh, type DType } from "../../src/engine/index.js";
import { adam, adamw, rmsprop, sgd, type Optimizer } from "../../src/optim/index.js";
import { T, fixture } from "../nn/helpers.js";

export const golden = fixture("optim.json");

export interface Params {
  W: Tensor;
  b: Tensor;
}

export function problem(dtype: DType = "float64") {
  const p = golden.problem;
  return { X: T(p.X, dtype), Y: T(p.Y, dtype), params: { W: T(p.W0, dtype), b: T(p.b0, dtype) } as Params };
}

/** sum((tanh(X + b) Wᵀ − Y)²)/5 + 0.1·Σ log(1 + b²). */
export function loss(p: Params, X: Tensor, Y: Tensor): Tensor {
  const r = sub(matmul(tanh(add(X, p.b)), mT(p.W)), Y);
  return add(div(sum(mul(r, r)), X.shape[0]), mul(sum(log1p(mul(p.b, p.b))), 0.1));
}

export function optimizerFor(cls: string, h: any): Optimizer<any> {
  switch (cls) {
    case "SGD":
      return sgd({ lr: h.lr, momentum: h.momentum, nesterov: h.nesterov, weightDecay: h.weight_decay });
    case "Adam":
      return adam({ lr: h.lr, betas: h.betas, eps: h.eps, weightDecay: h.weight_decay });
    case "AdamW":
      return adamw({ lr: h.lr, betas: h.betas, eps: h.eps, weightDecay: h.weight_decay });
    case "RMSprop":
      return rmsprop({ lr: h.lr, alpha: h.alpha, eps: h.eps, momentum: h.momentum, centered: h.centered, weightDecay: h.weight_decay });
  }
  throw new Error(`no optimizer ${cls}`);
}

/** PyTorch's state names → Eikon's. */
export const STATE_NAMES: Record<string, string> = {
  exp_avg: "expAvg",
  exp_avg_sq: "expAvgSq",
  momentum_buffer: "momentumBuffer",
  square_avg: "squareAvg",
  grad_avg: "gradAvg",
};
