// optim: in-graph optimizers, clipping, EMA, learning-rate schedules and the compiled training
// step (re-exported from the package root as the `optim` namespace).
export type { Optimizer } from "./optimizer.js";
export type { HostUpdate, HostModifiers, HostResult, Gradient } from "./host/update.js";
export { sgd } from "./sgd.js";
export type { SgdOptions, SgdState } from "./sgd.js";
export { adam, adamw } from "./adam.js";
export type { AdamOptions, AdamState } from "./adam.js";
export { rmsprop } from "./rmsprop.js";
export type { RmspropOptions, RmspropState } from "./rmsprop.js";
export { globalNorm, clipByGlobalNorm, clipWeights, withGradClip, withWeightClip } from "./clip.js";
export type { GradClipState } from "./clip.js";
export { emaUpdate, withEma, copyTree } from "./ema.js";
export type { EmaState } from "./ema.js";
export * as schedules from "./schedules.js";
export type { Schedule } from "./schedules.js";
export { trainStep } from "./step.js";
export type { TrainStep, TrainStepOptions, StepState, StepOutput, LossFn } from "./step.js";
