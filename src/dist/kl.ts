// Analytic KL divergence between two distributions of the same kind (elementwise over the draw's shape).
import type { Tensor } from "../engine/index.js";
import { Bernoulli } from "./bernoulli.js";
import { Categorical } from "./categorical.js";
import { Normal } from "./normal.js";
import type { Distribution } from "./noise.js";

/** KL(p ‖ q) in closed form; throws for pairs that have none here (estimate those by Monte Carlo). */
export function kl(p: Distribution, q: Distribution): Tensor {
  if (p instanceof Normal && q instanceof Normal) return p.klTo(q);
  if (p instanceof Bernoulli && q instanceof Bernoulli) return p.klTo(q);
  if (p instanceof Categorical && q instanceof Categorical) return p.klTo(q);
  throw new Error(`kl: no closed form for KL(${p.constructor.name} ‖ ${q.constructor.name}); estimate it by Monte Carlo as mean(p.logProb(x) − q.logProb(x)), x ~ p`);
}
