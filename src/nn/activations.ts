// Activations and shape changes as modules, so they sit in a Sequential.
import { Tensor, flatten, greater, leakyRelu, mul, relu, reshape, sigmoid, softplus, tanh, where, div } from "../engine/index.js";
import type { Context } from "./context.js";
import { Module } from "./module.js";

export class ReLU extends Module {
  forward(x: Tensor, _ctx: Context): Tensor {
    return relu(x);
  }
}

export class LeakyReLU extends Module {
  readonly negativeSlope: number;
  constructor(negativeSlope = 0.01) {
    super();
    this.negativeSlope = negativeSlope;
  }
  forward(x: Tensor, _ctx: Context): Tensor {
    return leakyRelu(x, this.negativeSlope);
  }
}

export class Tanh extends Module {
  forward(x: Tensor, _ctx: Context): Tensor {
    return tanh(x);
  }
}

export class Sigmoid extends Module {
  forward(x: Tensor, _ctx: Context): Tensor {
    return sigmoid(x);
  }
}

/** log(1 + exp(βx))/β, and x itself where βx > threshold (as torch.nn.Softplus). */
export class Softplus extends Module {
  readonly beta: number;
  readonly threshold: number;
  constructor(opts: { beta?: number; threshold?: number } = {}) {
    super();
    this.beta = opts.beta ?? 1;
    this.threshold = opts.threshold ?? 20;
  }
  forward(x: Tensor, _ctx: Context): Tensor {
    const bx = this.beta === 1 ? x : mul(x, this.beta);
    const sp = this.beta === 1 ? softplus(bx) : div(softplus(bx), this.beta);
    return where(greater(bx, this.threshold), x, sp);
  }
}

export class Identity extends Module {
  forward(x: Tensor, _ctx: Context): Tensor {
    return x;
  }
}

/** Flatten dimensions startDim..endDim into one (default: everything but the batch). */
export class Flatten extends Module {
  readonly startDim: number;
  readonly endDim: number;
  constructor(startDim = 1, endDim = -1) {
    super();
    this.startDim = startDim;
    this.endDim = endDim;
  }
  forward(x: Tensor, _ctx: Context): Tensor {
    const s = this.startDim < 0 ? this.startDim + x.rank : this.startDim;
    const e = this.endDim < 0 ? this.endDim + x.rank : this.endDim;
    if (s === 1 && e === x.rank - 1) return flatten(x, 1);
    if (s < 0 || e >= x.rank || s > e) throw new Error(`Flatten(${this.startDim}, ${this.endDim}): bad dimensions for input ${x.describe()}`);
    const merged = x.shape.slice(s, e + 1).reduce((n, d) => n * d, 1);
    return reshape(x, [...x.shape.slice(0, s), merged, ...x.shape.slice(e + 1)]);
  }
}

/** Reshape every example (the batch dimension is kept): [N, ...] → [N, ...shape]. */
export class Reshape extends Module {
  readonly shape: number[];
  constructor(shape: readonly number[]) {
    super();
    this.shape = [...shape];
  }
  forward(x: Tensor, _ctx: Context): Tensor {
    return reshape(x, [x.shape[0], ...this.shape]);
  }
}
