// Bernoulli(σ(logits)), elementwise: the binary-image decoder. Parameterized by logits so that
// log-probabilities go through softplus and never through log(σ(·)) of a saturated sigmoid.
import * as E from "../engine/index.js";
import type { Tensor } from "../engine/index.js";
import type { Distribution, NoiseSource } from "./noise.js";

export class Bernoulli implements Distribution {
  readonly logits: Tensor;
  readonly reparameterized = false;

  constructor(logits: Tensor) {
    this.logits = logits;
  }

  get shape(): readonly number[] {
    return this.logits.shape;
  }
  /** P(x = 1). */
  probs(): Tensor {
    return E.sigmoid(this.logits);
  }
  mean(): Tensor {
    return this.probs();
  }

  // log p(x) = x·l − softplus(l) (= −BCE-with-logits); x may be any value in [0,1]
  logProb(x: Tensor): Tensor {
    return E.sub(E.mul(x, this.logits), E.softplus(this.logits));
  }

  /** A {0,1} draw: 1 where u < σ(l). Not differentiable. */
  sample(noise: NoiseSource): Tensor {
    return E.cast(E.less(noise.uniform(this.shape), E.stopGradient(this.probs())), this.logits.dtype);
  }

  // H = softplus(l) − l·σ(l)
  entropy(): Tensor {
    return E.sub(E.softplus(this.logits), E.mul(this.logits, this.probs()));
  }

  // KL(p ‖ q) = p (log p − log q) + (1−p)(log(1−p) − log(1−q)), all through log σ
  klTo(q: Bernoulli): Tensor {
    const p1 = this.probs();
    const p0 = E.sigmoid(E.neg(this.logits));
    const a = E.mul(p1, E.sub(E.logSigmoid(this.logits), E.logSigmoid(q.logits)));
    const b = E.mul(p0, E.sub(E.logSigmoid(E.neg(this.logits)), E.logSigmoid(E.neg(q.logits))));
    return E.add(a, b);
  }
}
