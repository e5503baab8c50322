// Categorical over the last axis of `logits` [..., K]: the 256-way per-pixel decoder, class labels.
import * as E from "../engine/index.js";
import type { Tensor } from "../engine/index.js";
import type { Distribution, NoiseSource } from "./noise.js";

export class Categorical implements Distribution {
  readonly logits: Tensor;
  readonly reparameterized = false;

  constructor(logits: Tensor) {
    if (logits.rank < 1) throw new Error("Categorical: logits need a category axis (the last)");
    this.logits = logits;
  }

  /** Number of categories. */
  get k(): number {
    return this.logits.shape[this.logits.rank - 1];
  }
  /** Shape of one draw (the logits' shape without the category axis). */
  get shape(): readonly number[] {
    return this.logits.shape.slice(0, -1);
  }
  logProbs(): Tensor {
    return E.logSoftmax(this.logits, -1);
  }
  probs(): Tensor {
    return E.softmax(this.logits, -1);
  }
  /** The expected category index Σ k·p_k. */
  mean(): Tensor {
    return E.sum(E.mul(this.probs(), this.indexRange()), -1);
  }
  /** The most probable category, as a float index. */
  mode(): Tensor {
    return this.argmaxIndex(E.stopGradient(this.logits));
  }

  /** log p(x) for int32 category indices x (shape = this.shape); float indices are truncated. */
  logProb(x: Tensor): Tensor {
    const idx = x.dtype === "int32" ? x : E.cast(x, "int32");
    return E.sum(E.mul(this.logProbs(), E.oneHot(idx, this.k, this.logits.dtype)), -1);
  }

  /** Gumbel-max draw: argmax(l − log(−log u)); returns float category indices (not differentiable). */
  sample(noise: NoiseSource): Tensor {
    const u = noise.uniform(this.logits.shape);
    const tiny = this.logits.dtype === "float64" ? 1e-300 : 1e-30;
    const gumbel = E.neg(E.log(E.neg(E.log(E.add(u, tiny)))));
    return this.argmaxIndex(E.add(E.stopGradient(this.logits), gumbel));
  }

  // H = −Σ p log p
  entropy(): Tensor {
    const lp = this.logProbs();
    return E.neg(E.sum(E.mul(E.exp(lp), lp), -1));
  }

  // KL(p ‖ q) = Σ p (log p − log q)
  klTo(q: Categorical): Tensor {
    const lp = this.logProbs();
    return E.sum(E.mul(E.exp(lp), E.sub(lp, q.logProbs())), -1);
  }

  private indexRange(): Tensor {
    const r = this.logits.dtype === "float64" ? new Float64Array(this.k) : new Float32Array(this.k);
    for (let i = 0; i < this.k; i++) r[i] = i;
    return E.tensor(r, [this.k]);
  }
  /** The index of the largest entry along the last axis (the first on ties), as a float. */
  private argmaxIndex(scores: Tensor): Tensor {
    const isMax = E.cast(E.equal(scores, E.max(scores, -1, true)), scores.dtype);
    // Keep the first maximum: weight later ties out with a descending ramp, then read its index.
    const k = this.k;
    const ramp = this.logits.dtype === "float64" ? new Float64Array(k) : new Float32Array(k);
    for (let i = 0; i < k; i++) ramp[i] = k - i;
    const score = E.mul(isMax, E.tensor(ramp, [k]));
    const first = E.cast(E.equal(score, E.max(score, -1, true)), scores.dtype);
    return E.sum(E.mul(first, this.indexRange()), -1);
  }
}
