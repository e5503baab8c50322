// The data layer's public API: sources (MNIST, IDX, image folders, NPY, CSV, toy 2-D), the batcher, transforms,
// the train/validation split and the `--data <spec>` registry.
export { DataError } from "./errors.js";
export type { Batch, DataSource, SyncDataSource, Transform, TransformLike } from "./types.js";
export { exampleSize } from "./types.js";
export { ArraySource, SubsetSource, type ArraySourceOptions } from "./memory.js";
export { idx, findIdxFiles, loadIdxPair, parseIdx, readIdx, encodeIdx, type IdxArray, type IdxFiles, type IdxOptions, type Split } from "./idx.js";
export { mnist, mnistDataDir, type MnistOptions } from "./mnist.js";
export { imageFolder, ImageFolderSource, scanImageFolder, type ImageFolderOptions, type ResizeMode } from "./folder.js";
export { npy, npyLabels, parseNpy, readNpy, encodeNpy, type NpyArray, type NpyData, type NpyOptions } from "./npy.js";
export { csv, type CsvOptions } from "./csv.js";
export { toy, toyDistribution, ToySource, TOY_NAMES, logBesselI0, type ToyDistribution, type ToyName, type ToyOptions, type ToySample } from "./toy.js";
export { BatchIterator, batches, type BatchIteratorOptions, type IteratorState } from "./batcher.js";
export {
  applyTransform,
  rescale,
  toSymmetricRange,
  toUnitRange,
  staticBinarize,
  dynamicBinarize,
  dequantize,
  logitTransform,
  logitInverse,
  bitsPerDim,
  oneHot,
  randomHorizontalFlip,
} from "./transforms.js";
export { fillRandomUint32 } from "./bulk-random.js";
export { splitTrainValidation, subset, type TrainValidationSplit } from "./split.js";
export { datasets, datasetSpecs, loadDataset, parseDatasetSpec, type DatasetEntry, type DatasetSpec } from "./registry.js";
export { measureThroughput, measureMnistThroughput, type ThroughputOptions, type ThroughputResult } from "./throughput.js";
