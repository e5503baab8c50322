// Adversarial losses on discriminator logits (D(x) = σ(logit) for the classifier losses; the critic
// score itself for WGAN), and the regularizers of both players. Every function is plain Eikon ops,
// so it traces into a compiled step and differentiates (twice, for the gradient penalty).
//
//   ns       Goodfellow et al. 2014, §3 "non-saturating": D max E log D(x) + E log(1 − D(G(z)));
//            G max E log D(G(z)).        D loss = E softplus(−l_r) + E softplus(l_f); G loss = E softplus(−l_f)
//   minimax  the same game with G min E log(1 − D(G(z))):                         G loss = −E softplus(l_f)
//   lsgan    Mao et al. 2017 (a = 0, b = c = 1): D loss = ½E(l_r − 1)² + ½E l_f²; G loss = ½E(l_f − 1)²
//   wgan     Arjovsky et al. 2017: D loss = E l_f − E l_r; G loss = −E l_f (weights clipped by the optimizer)
//   wgan-gp  Gulrajani et al. 2017: wgan + λ E(‖∇_x̂ D(x̂)‖₂ − 1)², x̂ = εx + (1 − ε)G(z), ε ~ U[0, 1],
//            the gradient flattened over every non-batch dimension before its norm.
import { Tensor, add, greater, mean, where, mul, neg, relu, reshape, scalar, softplus, sqrt, square, sub, sum, vjp } from "../../engine/index.js";
import type { GanLoss } from "./config.js";

/** The discriminator's (critic's) loss from its outputs on real and fake examples ([B] or [B, 1]). */
export function discriminatorLoss(kind: GanLoss, real: Tensor, fake: Tensor): Tensor {
  switch (kind) {
    case "ns":
    case "minimax":
      // −log σ(l) = softplus(−l); −log(1 − σ(l)) = softplus(l)
      return add(mean(softplus(neg(real))), mean(softplus(fake)));
    case "lsgan":
      return add(mul(mean(square(sub(real, 1))), 0.5), mul(mean(square(fake)), 0.5));
    case "wgan":
    case "wgan-gp":
      return sub(mean(fake), mean(real));
  }
}

/** The generator's loss from the discriminator's outputs on its samples. */
export function generatorLoss(kind: GanLoss, fake: Tensor): Tensor {
  switch (kind) {
    case "ns":
      return mean(softplus(neg(fake)));
    case "minimax":
      // log(1 − σ(l)) = −softplus(l), minimized
      return neg(mean(softplus(fake)));
    case "lsgan":
      return mul(mean(square(sub(fake, 1))), 0.5);
    case "wgan":
    case "wgan-gp":
      return neg(mean(fake));
  }
}

/**
 * Per-example ‖g‖₂ with g flattened over every non-batch dimension. At g = 0 the norm is 0 with a
 * zero gradient (PyTorch's subgradient), through a safe square root instead of √(Σg² + ε).
 */
export function perExampleNorm(g: Tensor): Tensor {
  const s = sum(square(reshape(g, [g.shape[0], -1])), 1);
  const pos = greater(s, 0);
  return where(pos, sqrt(where(pos, s, 1)), 0);
}

export interface GradientPenalty {
  /** E(‖∇_x̂ D(x̂)‖₂ − 1)² (not yet multiplied by λ). */
  penalty: Tensor;
  /** E‖∇_x̂ D(x̂)‖₂, for logging. */
  gradNorm: Tensor;
}

/**
 * WGAN-GP's penalty on interpolates x̂ = ε·real + (1 − ε)·fake (ε: [B, 1, …] uniform draws). The
 * input gradient is itself a traced computation, so the penalty's gradient with respect to the
 * critic's parameters is a second-order one (double backprop). With a packing critic (`pack`
 * consecutive examples per output), the norm is per pack: the gradient of one output over its input.
 */
export function gradientPenalty(critic: (x: Tensor) => Tensor, real: Tensor, fake: Tensor, eps: Tensor, pack = 1): GradientPenalty {
  const xh = add(mul(eps, real), mul(sub(1, eps), fake));
  const out = sum(critic(xh));
  const [g] = vjp([out], [scalar(1, out.dtype)], [xh]);
  if (!g) throw new Error("gradientPenalty: the critic's output does not depend on its input");
  const norm = perExampleNorm(pack === 1 ? g : reshape(g, [g.shape[0] / pack, -1]));
  return { penalty: mean(square(sub(norm, 1))), gradNorm: mean(norm) };
}

/** Instance noise's σ at a step: σ₀·max(0, 1 − step/annealSteps) (a scalar tensor). */
export function instanceNoiseStd(sigma0: number, annealSteps: number, step: Tensor): Tensor {
  return mul(relu(sub(1, mul(step, 1 / annealSteps))), sigma0);
}

/** E_z‖G(z) − G°(z)‖² (λ is the caller's): the squared distance summed over each example's values, averaged over the batch. */
export function proximalPenalty(current: Tensor, previous: Tensor): Tensor {
  const d = reshape(sub(current, previous), [current.shape[0], -1]);
  return mean(sum(square(d), 1));
}
