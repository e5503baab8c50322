// Losses written as PyTorch computes them, in Eikon ops.
import { Tensor, mean, mul, softplus, sub, sum, div, neg } from "../../src/engine/index.js";

/** F.binary_cross_entropy_with_logits(l, y, reduction="sum"): Σ softplus(l) − y·l. */
export function bceWithLogitsSum(logits: Tensor, target: Tensor): Tensor {
  return sum(sub(softplus(logits), mul(target, logits)));
}

/** F.binary_cross_entropy_with_logits(l, ones): mean softplus(−l). */
export const bceOnes = (logits: Tensor): Tensor => mean(softplus(neg(logits)));
/** F.binary_cross_entropy_with_logits(l, zeros): mean softplus(l). */
export const bceZeros = (logits: Tensor): Tensor => mean(softplus(logits));

/** Σ BCE / batch, the per-image loss the VAE and PixelCNN peers report. */
export const bcePerExample = (logits: Tensor, target: Tensor): Tensor => div(bceWithLogitsSum(logits, target), logits.shape[0]);
