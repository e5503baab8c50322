// Minibatch standard deviation (Karras et al., 2018, "Progressive Growing of GANs", §3): one extra
// feature map holding the average, over features and positions, of each feature's standard
// deviation across a group of examples. A discriminator with it sees how varied a batch is, so a
// generator that collapses onto few modes is easier to tell from the data.
import { Tensor, add, broadcastTo, concat, mean, reshape, sqrt, square, sub } from "../engine/index.js";
import type { Context } from "./context.js";
import { Module } from "./module.js";

export class MinibatchStd extends Module {
  /** Examples per group (ProGAN: 4); the batch must be a multiple of it, or smaller (one group). */
  readonly groupSize: number;
  constructor(groupSize = 4) {
    super();
    if (!(Number.isInteger(groupSize) && groupSize >= 2)) throw new RangeError(`MinibatchStd: groupSize must be an integer ≥ 2, got ${groupSize}`);
    this.groupSize = groupSize;
  }

  /** x [B, C, …] → [B, C + 1, …]: row g·M + m (M = B / G groups' members) gets statistic m of its group. */
  forward(x: Tensor, _ctx: Context): Tensor {
    const [b, ...rest] = x.shape;
    const g = Math.min(this.groupSize, b);
    if (b % g !== 0) throw new Error(`MinibatchStd: a batch of ${b} does not split into groups of ${g}; use a batch that is a multiple of ${g}`);
    const m = b / g;
    const y = reshape(x, [g, m, ...rest]);
    const centred = sub(y, mean(y, 0, true));
    // σ over the group for each feature and position (ε inside the root keeps its gradient finite)
    const std = sqrt(add(mean(square(centred), 0), 1e-8));
    const perMember = mean(std, rest.map((_, i) => i + 1), true); // [M, 1, 1, …]
    const map = broadcastTo(reshape(perMember, [1, m, 1, ...rest.slice(1).map(() => 1)]), [g, m, 1, ...rest.slice(1)]);
    return concat([x, reshape(map, [b, 1, ...rest.slice(1)])], 1);
  }
}
