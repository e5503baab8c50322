// The GAN families gan-toy, gan-mnist and dcgan (registered on import), their losses, regularizers and networks.
export { ganToyFamily, ganMnistFamily, dcganFamily, GAN_FAMILIES, LOSS_DESCRIPTIONS, createGan, ganModel, asGenerativeModel, ganOptimizers, ganRecipe, samplingNet } from "./family.js";
export type { GanModel } from "./family.js";
export { GAN_TOY_DEFAULTS, GAN_MNIST_DEFAULTS, DCGAN_DEFAULTS, GAN_ARCHS, GAN_LOSSES, resolveGanConfig, defaultDSteps, dStepsOf } from "./config.js";
export type { GanConfig, GanArch, GanLoss, Activation, OutputActivation } from "./config.js";
export { discriminatorLoss, generatorLoss, gradientPenalty, perExampleNorm, instanceNoiseStd, proximalPenalty } from "./losses.js";
export type { GradientPenalty } from "./losses.js";
export { ganObjectives, discriminatorStep, generatorStep, generate } from "./objectives.js";
export type { GanPlayers } from "./objectives.js";
export { Generator, buildGeneratorNet, buildDiscriminatorNet, judge, flatParams, withFlatParams, paramSpec } from "./networks.js";
export { create } from "./create.js";
export type { GanFamilyName } from "./create.js";
