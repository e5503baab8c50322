// GAN metrics: toy mode coverage, FID and digit coverage on Eikon's own MNIST classifier. Every
// metric takes a SampleSet (from a model or a .npy file) and returns a SampleMetricResult.
// Importing this module also registers fid, digits and mode-coverage for `eikon eval`.
import "./register.js";
export { modes, modeCoverage, mixtureTarget } from "./modes.js";
export type { ModeCoverage, MixtureTarget } from "./modes.js";
export { fid, featureStats, frechetDistance, symmetricEigen, mnistReferenceStats, referenceStatsPath } from "./fid.js";
export type { FeatureStats, FidOptions } from "./fid.js";
export { digits, labelHistogram } from "./digits.js";
export type { DigitOptions } from "./digits.js";
export {
  MnistClassifier,
  mnistClassifier,
  trainClassifier,
  testAccuracy,
  classify,
  accuracy,
  loadClassifier,
  saveClassifier,
  cacheDir,
  classifierPath,
  CLASSIFIER_VERSION,
  FEATURE_SIZE,
} from "./classifier.js";
export type { ClassifierOptions, TrainClassifierOptions } from "./classifier.js";
export { samplesFromNpy, mnistImages, sampleKind, inferImageRange, valueSpan, SAMPLE_SHAPES } from "./samples.js";
export { SAMPLE_METRICS, findSampleMetric, sampleMetricNames } from "./score.js";
export type { SampleMetricDef, SampleScoreOptions } from "./score.js";
export type { SampleSet, SampleMetric, SampleMetricResult } from "./samples.js";
