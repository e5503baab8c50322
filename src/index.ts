// Eikon's public API, re-exported name by name.
export {
  Tensor, tensor, zeros, ones, full, arange, scalar,
  add, sub, mul, div, pow, maximum, minimum, greater, greaterEqual, less, lessEqual, equal,
  neg, exp, log, log1p, sqrt, abs, sign, tanh, sigmoid, relu, softplus, leakyRelu, stopGradient, cast, where,
  square, reciprocal, clip, logSigmoid, sum, max, min, mean, variance, logsumexp, logSoftmax, softmax,
  reshape, transpose, mT, flatten, broadcastTo, sumTo, concat, stack, slice, sliceAxis, split, pad, gather, take, oneHot,
  matmul, linear, conv2d, convTranspose2d, maxPool2d, avgPool2d, zerosLike,
  grad, valueAndGrad, vjp, compile,
  buildGraph, checkGraph, printGraph, emitOnnx, OPSET,
  nativeBackend, wasmBackend, getDefaultBackend, setDefaultBackend,
  flattenTree, mapTree, leavesOf, TREE_NODE,
  packSpec, packTree, unpackTree, packInGraph, leafNames,
  Rng, ShapeError, primitives,
} from "./engine/index.js";
export type {
  Creator, TensorLike, ConvOptions, PoolOptions, ValueAndGrad, ValueAndGradOptions, Compiled, CompileOptions, CompiledStats,
  IRGraph, IRNode, IRValue, Backend, Session, HostArray, Tree, RngState, DType, TypedArray, Prim, PrimAttrs, PrimRule, PackSpec, PackEntry,
} from "./engine/index.js";

// Layers above the engine, as namespaces.
export * as data from "./data/index.js";
export * as io from "./io/index.js";
export * as nn from "./nn/index.js";
export * as optim from "./optim/index.js";
export * as dist from "./dist/index.js";
export * as models from "./models/index.js";
export * as metrics from "./metrics/index.js";
export {
  train, loadRun, readRunConfig, readMetrics, loadCheckpoint, listCheckpoints, writeReport, exportOnnx,
  registerMetric, findMetric, listMetrics, computeMetric, QueryRunner, NonFiniteError, TrainSetupError, RunDirError,
} from "./train/index.js";
export type {
  TrainOptions, TrainResult, TrainEvent, DataRef, DataInput, RunConfig, MetricsRecord, Checkpoint, CheckpointState, LoadedRun,
  MetricDef, MetricContext, MetricResult, ExportOptions, ExportPart, ExportedModel,
} from "./train/index.js";
