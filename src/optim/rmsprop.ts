// RMSprop (Tieleman & Hinton, 2012) as torch.optim.RMSprop: g ← g + wd·p;
// s ← αs + (1−α)g²; centered: ḡ ← αḡ + (1−α)g, avg = √(s − ḡ²) + ε, else avg = √s + ε;
// momentum > 0: buf ← momentum·buf + g/avg, p ← p − lr·buf; else p ← p − lr·g/avg.
import { add, div, mul, sqrt, sub } from "../engine/index.js";
import { rmspropHost } from "./host/rmsprop.js";
import { learningRate, dtypeOfTree, perLeaf, zerosLikeTree, type Optimizer } from "./optimizer.js";

export interface RmspropOptions {
  lr?: number;
  alpha?: number;
  eps?: number;
  weightDecay?: number;
  momentum?: number;
  centered?: boolean;
}

export interface RmspropState {
  /** PyTorch's square_avg. */
  squareAvg: any;
  /** PyTorch's grad_avg (centered only, else null). */
  gradAvg: any;
  /** PyTorch's momentum_buffer (momentum > 0 only, else null). */
  momentumBuffer: any;
}

export function rmsprop(opts: RmspropOptions = {}): Optimizer<RmspropState> {
  const lr0 = opts.lr ?? 1e-2;
  const alpha = opts.alpha ?? 0.99;
  const eps = opts.eps ?? 1e-8;
  const wd = opts.weightDecay ?? 0;
  const momentum = opts.momentum ?? 0;
  const centered = opts.centered ?? false;
  return {
    name: "rmsprop",
    lr: lr0,
    host: rmspropHost({ alpha, eps, weightDecay: wd, momentum, centered }),
    init: (params) => ({
      squareAvg: zerosLikeTree(params),
      gradAvg: centered ? zerosLikeTree(params) : null,
      momentumBuffer: momentum ? zerosLikeTree(params) : null,
    }),
    update(grads, state, params, lr) {
      const rate = learningRate(lr, lr0, dtypeOfTree(params));
      // absent state parts ride along as the params tree, and are not read
      const trees = [params, grads, state.squareAvg, state.gradAvg ?? params, state.momentumBuffer ?? params];
      const r = perLeaf("rmsprop", trees, ([p, g0, s0, ga0, buf0]) => {
        const g = wd ? add(g0, mul(p, wd)) : g0;
        const s = add(mul(s0, alpha), mul(mul(g, g), 1 - alpha));
        const out: Record<string, typeof p> = { s };
        let avg;
        if (centered) {
          const ga = add(mul(ga0, alpha), mul(g, 1 - alpha));
          out.ga = ga;
          avg = add(sqrt(sub(s, mul(ga, ga))), eps);
        } else avg = add(sqrt(s), eps);
        if (momentum) {
          const buf = add(mul(buf0, momentum), div(g, avg));
          out.buf = buf;
          out.p = sub(p, mul(buf, rate));
        } else out.p = sub(p, mul(div(g, avg), rate));
        return out as Record<"p" | "s" | "ga" | "buf", typeof p>;
      });
      return { params: r.p, state: { squareAvg: r.s, gradAvg: centered ? r.ga : null, momentumBuffer: momentum ? r.buf : null } };
    },
  };
}
