// The two players' objectives, traced inside the trainer's compiled steps: per iteration k
// discriminator steps, then gSteps generator steps (one unless configured; Objective.steps),
// alternating single gradient steps. All noise (z, the gradient penalty's ε, instance noise) comes
// from the step context, drawn host-side and seeded.
import { Tensor, add, cast, equal, mean, mul, reshape, stopGradient, sub, where } from "../../engine/index.js";
import { Context } from "../../nn/index.js";
import type { BatchTensors, Objective, StepContext } from "../model.js";
import { dStepsOf, type GanConfig } from "./config.js";
import { discriminatorLoss, generatorLoss, gradientPenalty, instanceNoiseStd, proximalPenalty } from "./losses.js";
import { flatParams, judge, withFlatParams, type Generator } from "./networks.js";
import type { Sequential } from "../../nn/index.js";

export type GanPlayers = { generator: Generator; discriminator: Sequential };

/** nn layers take nn's Context; a StepContext from elsewhere stands in as a noise-free context of the same mode. */
function layerContext(ctx: StepContext): Context {
  if (ctx instanceof Context) return ctx;
  return ctx.train ? Context.train() : Context.eval();
}

/** G's samples for n prior draws, in the data's shape [n, ...dataShape]. */
export function generate(c: GanConfig, g: Generator, z: Tensor, ctx: Context): Tensor {
  return reshape(g.forward(z, ctx), [z.shape[0], ...c.dataShape]);
}

/** Adds instance noise σ(step)·ε to D's input (σ annealed linearly to 0); identity when not configured. */
function noisy(c: GanConfig, x: Tensor, ctx: StepContext, step: Tensor): Tensor {
  if (c.instanceNoise === 0) return x;
  return add(x, mul(ctx.normal(x.shape), instanceNoiseStd(c.instanceNoise, c.instanceNoiseSteps, step)));
}

type LossOut = { loss: Tensor; metrics: Record<string, Tensor> };

/** D's loss on a data batch and as many generated examples (G's output carries no gradient here). */
export function discriminatorStep(c: GanConfig, players: GanPlayers, batch: BatchTensors, ctx: StepContext, step: Tensor): LossOut {
  const nctx = layerContext(ctx);
  const b = batch.x.shape[0];
  const z = ctx.normal([b, c.latent]);
  const fake = stopGradient(generate(c, players.generator, z, nctx));
  const real = noisy(c, reshape(batch.x, [b, ...c.dataShape]), ctx, step);
  const fk = noisy(c, fake, ctx, step);
  const critic = (x: Tensor) => judge(c, players.discriminator, x, nctx);
  const lr = critic(real);
  const lf = critic(fk);
  let loss = discriminatorLoss(c.loss, lr, lf);
  const metrics: Record<string, Tensor> = { d_real: mean(lr), d_fake: mean(lf) };
  if (c.loss === "wgan" || c.loss === "wgan-gp") metrics.wasserstein = sub(mean(lr), mean(lf));
  if (c.loss === "wgan-gp") {
    const eps = ctx.uniform([b, ...c.dataShape.map(() => 1)]);
    const gp = gradientPenalty(critic, real, fk, eps, c.pack);
    loss = add(loss, mul(gp.penalty, c.gpWeight));
    metrics.gp = gp.penalty;
    metrics.grad_norm = gp.gradNorm;
  }
  return { loss, metrics };
}

/**
 * G's loss on a batch of its samples. With the proximal term, G° — the generator before this
 * iteration's update, i.e. the one D was just trained against — is evaluated on the same z: the
 * first G step of an iteration takes G° = the current weights (the term and its gradient are zero
 * there), and the iteration's later G steps (gSteps ≥ 2) are pulled back toward it.
 * With EMA, the averaged weights move toward the current ones (the average lags one step).
 */
export function generatorStep(c: GanConfig, players: GanPlayers, batch: BatchTensors, ctx: StepContext, step: Tensor): LossOut {
  const nctx = layerContext(ctx);
  const g = players.generator;
  const b = batch.x.shape[0];
  const z = ctx.normal([b, c.latent]);
  const out = generate(c, g, z, nctx);
  const lf = judge(c, players.discriminator, noisy(c, out, ctx, step), nctx);
  let loss = generatorLoss(c.loss, lf);
  const metrics: Record<string, Tensor> = { d_fake: mean(lf) };
  const needFlat = (c.proximal > 0 && g.prev) || (c.ema > 0 && g.ema);
  const current = needFlat ? stopGradient(flatParams(g.net)) : null;
  if (c.proximal > 0 && g.prev && g.prevStep) {
    // a new iteration (step ≠ the one G° was taken at) retakes G° from the current weights
    const now = reshape(cast(step, g.prevStep.dtype), [1]);
    const anchor = stopGradient(where(equal(now, g.prevStep), g.prev, current!));
    // G° runs in a context of its own, so its batch-norm statistics update nothing.
    const before = stopGradient(reshape(withFlatParams(g.net, anchor).forward(z, Context.train()), out.shape));
    const prox = proximalPenalty(out, before);
    loss = add(loss, mul(prox, c.proximal));
    metrics.proximal = prox;
    nctx.setBuffer(g, "prev", anchor);
    nctx.setBuffer(g, "prevStep", now);
  }
  if (c.ema > 0 && g.ema) nctx.setBuffer(g, "ema", add(mul(nctx.buffer(g, "ema"), c.ema), mul(current!, 1 - c.ema)));
  return { loss, metrics };
}

/** The discriminator's k steps, then the generator's gSteps (one unless configured). */
export function ganObjectives(c: GanConfig): Objective<GanPlayers>[] {
  return [
    { name: "d_loss", player: "discriminator", steps: dStepsOf(c), loss: (p, batch, ctx, step) => discriminatorStep(c, p, batch, ctx, step) },
    { name: "g_loss", player: "generator", steps: c.gSteps, loss: (p, batch, ctx, step) => generatorStep(c, p, batch, ctx, step) },
  ];
}
