// train: the training loop, run directories, checkpoints, reports, metrics by name, ONNX export.
export { train } from "./trainer.js";
export type { TrainEvent, TrainOptions, TrainResult } from "./trainer.js";
export { resolveData, TrainSetupError } from "./setup.js";
export type { DataInput, DataRef, TrainOptionsBase } from "./setup.js";
export { NonFiniteError } from "./nan-guard.js";
export type { NonFiniteKind } from "./nan-guard.js";
export { readRunConfig, readMetrics, runPaths, RunDirError, RUN_FORMAT } from "./run-dir.js";
export type { DataRecord, MetricsRecord, ResolvedOptions, RunConfig, RunPaths } from "./run-dir.js";
export { CHECKPOINT_FORMAT, listCheckpoints, loadCheckpoint, saveCheckpoint } from "./checkpoint.js";
export type { Checkpoint, CheckpointEntry, CheckpointState } from "./checkpoint.js";
export { loadRun, checkpointFile } from "./load-run.js";
export type { CheckpointChoice, LoadedRun } from "./load-run.js";
export { buildReport, writeReport } from "./report.js";
// Model-running helpers and the metric registry live in lower layers (models, metrics); re-exported
// here so code that imported them from train keeps working.
export { QueryRunner, QueryError, getQuery, drawSamples, dataTransforms, toDisplayRange, DATA_TRANSFORM_STEPS } from "../models/index.js";
export type { QueryCall } from "../models/index.js";
export { savePicture, pictureKind } from "./samples.js";
export { exportOnnx, resolvePart, EXPORT_PARTS } from "./export.js";
export type { ExportOptions, ExportPart, ExportedModel } from "./export.js";
export { registerMetric, findMetric, listMetrics, computeMetric, meanOverData, evalBatches, MetricError } from "../metrics/registry.js";
export type { MetricContext, MetricDef, MetricResult } from "../metrics/registry.js";
export { makeOptimizer, makeSchedule, SCHEDULE_FORMS } from "./optimizers.js";
export { stepChannel, checkpointChannel } from "./events.js";
export type { StepMessage, CheckpointMessage } from "./events.js";
export type { ProgressMode } from "./progress.js";
export { headlineValues } from "./progress.js";
