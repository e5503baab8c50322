// train(model, data, options): the training loop every family shares. One compiled step per
// objective; per iteration each objective runs `steps` times (the first objective draws a fresh
// batch for each of its steps, later objectives reuse the iteration's last batch, as in GAN
// training). Logging, evaluation, sample pictures, checkpoints (last K and best, atomic), resume,
// the NaN guard (stop, or roll back and halve the learning rate) and clean interruption.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Rng, scalar, Tensor, type Backend } from "../engine/index.js";
import { Context } from "../nn/index.js";
import { BatchIterator, type Batch, type DataSource } from "../data/index.js";
import { dataTransforms, QueryRunner, type BatchTensors, type GenerativeModel } from "../models/index.js";
import type { Optimizer, Schedule } from "../optim/index.js";
import {
  bestCheckpointPath,
  CHECKPOINT_FORMAT,
  checkpointPath,
  loadCheckpoint,
  listCheckpoints,
  loadLatestCheckpoint,
  pruneCheckpoints,
  removeStaleTemps,
  saveCheckpoint,
  type Checkpoint,
  type CheckpointState,
} from "./checkpoint.js";
import { checkpointChannel, stepChannel, type CheckpointMessage, type StepMessage } from "./events.js";
import { checkFinite, NonFiniteError } from "./nan-guard.js";
import { makeOptimizer, makeSchedule } from "./optimizers.js";
import { createProgress, formatValue, type ProgressMode, type ProgressReporter } from "./progress.js";
import { writeReport } from "./report.js";
import { MetricsLog, readRunConfig, runPaths, RUN_FORMAT, stepTag, writeRunConfig, type DataRecord, type MetricsRecord, type ResolvedOptions, type RunConfig, type RunPaths } from "./run-dir.js";
import { pictureKind, saveSamplePicture } from "./samples.js";
import { checkDataShape, resolveData, resolveOptions, TrainSetupError, type DataInput, type TrainOptionsBase } from "./setup.js";
import { stateFromNamed, stateToNamed } from "./state-dict.js";
import { ObjectiveStep, packPlayers, playerLayouts, unpackPlayers, type HostState, type PlayerLayout } from "./step.js";

export type TrainEvent =
  | { type: "step"; step: number; epoch: number; values: Record<string, number>; lr: Record<string, number> }
  | { type: "eval"; step: number; values: Record<string, number> }
  | { type: "checkpoint"; step: number; path: string | null; best: boolean }
  | { type: "samples"; step: number; path: string }
  | { type: "rollback"; step: number; toStep: number; lrScale: number; reason: string };

export interface TrainOptions extends TrainOptionsBase {
  /** Run directory (config.json, checkpoints/, metrics.jsonl, samples/, report.html). Without it nothing is written. */
  out?: string;
  /** Continue the run in `out` from its latest checkpoint (its config.json decides the options; `steps` and `onNan` may change). */
  resume?: boolean;
  /** Data for evaluations (a `--data` spec, a DataRef or a source). */
  evalData?: DataInput;
  /** Progress display (default "auto": a bar on a terminal, lines otherwise). */
  progress?: ProgressMode;
  /** Called after every step and on each evaluation, checkpoint, sample picture and rollback. */
  callback?: (event: TrainEvent) => void | Promise<void>;
  /** Aborting stops the run after the current step, with a checkpoint (status "interrupted"). */
  signal?: AbortSignal;
  backend?: Backend;
  /**
   * Split every training batch into this many shards that run at once, each in a worker thread
   * with one op thread (data parallelism on one machine; default 1). For losses that are means
   * over examples and models without buffer updates in training (no batch norm, no EMA); faster
   * where ONNX Runtime's op threads scale poorly (conv nets). Not recorded in the run: an
   * execution choice, like the backend.
   */
  shards?: number;
}

export interface TrainResult {
  status: "completed" | "interrupted";
  /** Steps completed. */
  step: number;
  /** The latest losses and metrics. */
  values: Record<string, number>;
  runDir: string | null;
  /** The newest checkpoint written (null without a run directory). */
  checkpoint: string | null;
  options: ResolvedOptions;
}

/** A run directory that is in use by a live process is refused (a killed run's lock is taken over). */
function takeLock(root: string): () => void {
  const lock = `${root}/.lock`;
  if (existsSync(lock)) {
    const pid = Number(readFileSync(lock, "utf8").trim());
    let alive = false;
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid) {
      try {
        process.kill(pid, 0);
        alive = true;
      } catch (e) {
        alive = (e as NodeJS.ErrnoException).code === "EPERM";
      }
    }
    if (alive) throw new TrainSetupError(`run directory '${root}' is in use by process ${pid}; wait for it to finish or stop it first`);
  }
  writeFileSync(lock, String(process.pid));
  return () => rmSync(lock, { force: true });
}

const toBatchTensors = (b: Batch): BatchTensors => {
  const t: BatchTensors = { x: new Tensor(b.shape, "float32", b.x) };
  if (b.labels) t.labels = new Tensor([b.labels.length], "int32", b.labels);
  return t;
};

class Trainer {
  readonly layouts: PlayerLayout[];
  readonly optimizers: Record<string, Optimizer> = {};
  readonly schedules: Record<string, Schedule> = {};
  readonly steps: ObjectiveStep[];
  readonly runner: QueryRunner;
  readonly progress: ProgressReporter;
  state: HostState;
  rng: Rng;
  step = 0;
  lrScale = 1;
  elapsedBase = 0;
  segmentStart = performance.now();
  best: CheckpointState["best"] = null;
  windowSum = 0;
  windowCount = 0;
  lastCheckpoint: { step: number; path: string | null; memory: Checkpoint | null } | null = null;
  lastValues: Record<string, number> = {};
  rollbacks = 0;
  /** The step of the checkpoint the last rollback returned to. */
  rolledBackTo: number | null = null;
  log: MetricsLog | null;
  private valueKeys = new Map<string, string>();

  constructor(
    readonly model: GenerativeModel,
    readonly source: DataSource,
    readonly iterator: BatchIterator,
    readonly evalSource: DataSource | null,
    readonly opts: ResolvedOptions,
    readonly seed: number,
    readonly paths: RunPaths | null,
    readonly options: TrainOptions,
  ) {
    this.layouts = playerLayouts(model);
    for (const [player, spec] of Object.entries(opts.optimizers)) {
      this.optimizers[player] = makeOptimizer(spec);
      this.schedules[player] = makeSchedule(opts.schedule, spec.lr, opts.steps);
    }
    this.steps = model.objectives.map((o) => new ObjectiveStep(model, o, this.layouts, this.optimizers[o.player], options.backend, options.shards ?? 1));
    this.runner = new QueryRunner(model, options.backend);
    this.state = packPlayers(model.players, this.layouts, this.optimizers);
    this.rng = new Rng(seed).fork();
    this.log = paths ? new MetricsLog(paths.metrics) : null;
    this.progress = createProgress(options.progress ?? "auto");
  }

  get elapsed(): number {
    return this.elapsedBase + (performance.now() - this.segmentStart) / 1000;
  }

  lrs(step: number): Record<string, number> {
    return Object.fromEntries(Object.entries(this.schedules).map(([p, s]) => [p, s(step) * this.lrScale]));
  }

  /** Stable display names: a single objective's metrics by their own names, several objectives' prefixed. */
  key(objective: string, metric: string | null): string {
    const id = `${objective}\u0000${metric ?? ""}`;
    let k = this.valueKeys.get(id);
    if (!k) {
      k = metric === null ? objective : this.steps.length === 1 ? metric : `${objective}.${metric}`;
      this.valueKeys.set(id, k);
    }
    return k;
  }

  snapshotState(): CheckpointState {
    return {
      format: CHECKPOINT_FORMAT,
      step: this.step,
      epoch: this.iterator.epoch,
      family: this.model.family,
      config: this.model.config,
      rng: this.rng.getState(),
      iterator: this.iterator.getState(),
      lrScale: this.lrScale,
      elapsed: this.elapsed,
      best: this.best,
    };
  }

  restore(ck: Checkpoint): void {
    this.state = stateFromNamed(ck.tensors, this.model.players, this.layouts, this.optimizers, ck.path);
    const s = ck.state;
    this.step = s.step;
    this.rng.setState(s.rng);
    if (s.iterator) this.iterator.setState(s.iterator);
    this.lrScale = s.lrScale;
    this.elapsedBase = s.elapsed;
    this.segmentStart = performance.now();
    this.best = s.best;
    this.windowSum = 0;
    this.windowCount = 0;
  }

  async emit(event: TrainEvent): Promise<void> {
    await this.options.callback?.(event);
  }

  /** One iteration: every objective `steps` times. Returns the values, or a NonFiniteError (nothing committed from the failing step). */
  async iterate(): Promise<Record<string, number> | NonFiniteError> {
    const values: Record<string, number> = {};
    let batch: BatchTensors | null = null;
    const lrs = this.lrs(this.step);
    const stepT = scalar(this.step);
    for (let oi = 0; oi < this.steps.length; oi++) {
      const os = this.steps[oi];
      const obj = os.objective;
      const lr = scalar(lrs[obj.player]);
      for (let r = 0; r < (obj.steps ?? 1); r++) {
        if (oi === 0 || batch === null) batch = toBatchTensors(await this.iterator.next());
        const noise = Context.sampleNoise(this.rng, os.noiseNeeded(this.state, batch, true));
        const out = await os.trainOn({ params: this.state.params, buffers: this.state.buffers, opt: this.state.opt[obj.player], batch, noise, step: stepT, lr });
        const loss = out.loss.item();
        const metrics = Object.fromEntries(Object.entries(out.metrics).map(([k, v]) => [k, v.item()]));
        const bad = checkFinite(this.step + 1, obj, loss, metrics, out.gradNorm.item());
        if (bad) return bad;
        const upd = os.apply(out, this.state.params[obj.player], this.state.opt[obj.player], lrs[obj.player]);
        this.state = {
          params: { ...this.state.params, [obj.player]: upd.params },
          buffers: { ...this.state.buffers, ...out.buffers },
          opt: { ...this.state.opt, [obj.player]: upd.opt },
        };
        values[this.key(obj.name, null)] = loss;
        for (const [k, v] of Object.entries(metrics)) values[this.key(obj.name, k)] = v;
      }
    }
    return values;
  }

  async evaluate(): Promise<Record<string, number>> {
    const src = this.evalSource!;
    const it = new BatchIterator(src, { batchSize: this.opts.batchSize, shuffle: false, seed: this.seed, transforms: dataTransforms(this.model.dataTransform), dropLast: src.n >= this.opts.batchSize, prefetch: 0 });
    const rng = new Rng(this.seed + 1);
    const sums: Record<string, number> = {};
    const batches = Math.min(this.opts.evalBatches, it.epochLength);
    const stepT = scalar(this.step);
    for (let b = 0; b < batches; b++) {
      const batch = toBatchTensors(await it.next());
      for (const os of this.steps) {
        const noise = Context.sampleNoise(rng, os.noiseNeeded(this.state, batch, false));
        const r = await os.evaluate({ params: this.state.params, buffers: this.state.buffers, batch, noise, step: stepT });
        const add = (k: string, v: number) => (sums[k] = (sums[k] ?? 0) + v / batches);
        add(this.key(os.objective.name, null), r.loss.item());
        for (const [k, v] of Object.entries(r.metrics)) add(this.key(os.objective.name, k), v.item());
      }
    }
    return sums;
  }

  async checkpoint(score: number | null): Promise<void> {
    const state = this.snapshotState();
    let improved = false;
    const metric = this.model.objectives[0].name;
    if (score !== null && Number.isFinite(score) && (this.best === null || score < this.best.score)) {
      this.best = { score, metric, step: this.step };
      state.best = this.best;
      improved = true;
    }
    const tensors = stateToNamed(this.state, this.layouts);
    let path: string | null = null;
    if (this.paths) {
      path = checkpointPath(this.paths.checkpoints, this.step);
      await saveCheckpoint(improved ? [path, bestCheckpointPath(this.paths.checkpoints)] : [path], tensors, state);
      pruneCheckpoints(this.paths.checkpoints, this.opts.keepLast);
      this.lastCheckpoint = { step: this.step, path, memory: null };
      const msg: CheckpointMessage = { step: this.step, path, best: improved };
      if (checkpointChannel.hasSubscribers) checkpointChannel.publish(msg);
    } else {
      // No run directory: keep the last checkpoint in memory, for rollbacks — copied, since the
      // host optimizer update overwrites parameters and moments in place.
      const copies = new Map([...tensors].map(([k, t]) => [k, new Tensor(t.shape, t.dtype, t.values().slice())]));
      this.lastCheckpoint = { step: this.step, path: null, memory: { tensors: copies, state, path: "(last checkpoint in memory)" } };
    }
    await this.emit({ type: "checkpoint", step: this.step, path, best: improved });
  }

  /**
   * Back to the last checkpoint with half the learning rate. If the run fails again at the first
   * step after the checkpoint it last rolled back to, that checkpoint's own parameters are the
   * problem, so it goes one checkpoint further back (when one is kept).
   */
  async rollback(bad: NonFiniteError): Promise<void> {
    let target = this.lastCheckpoint!;
    if (this.rolledBackTo !== null && bad.step === this.rolledBackTo + 1 && this.paths) {
      const older = listCheckpoints(this.paths.checkpoints).filter((c) => c.step < this.rolledBackTo!).at(-1);
      if (older) target = { step: older.step, path: older.path, memory: null };
    }
    const ck = target.path ? await loadCheckpoint(target.path) : target.memory!;
    const scale = this.lrScale / 2;
    this.restore(ck);
    this.lrScale = scale;
    this.rolledBackTo = this.step;
    this.lastCheckpoint = target;
    // Checkpoints after the target belong to the abandoned trajectory (metrics.jsonl is cut back too).
    if (this.paths) for (const c of listCheckpoints(this.paths.checkpoints)) if (c.step > target.step) rmSync(c.path, { force: true });
    if (this.log) await this.log.truncateAfter(this.step);
    const reason = bad.message;
    this.progress.message(`${reason}; rolled back to the checkpoint of step ${this.step} and halved the learning rate (×${scale} of the original)`);
    await this.emit({ type: "rollback", step: bad.step, toStep: this.step, lrScale: scale, reason });
  }

  async samples(): Promise<void> {
    if (!this.paths) return;
    const path = `${this.paths.samples}/${stepTag(this.step)}.png`;
    await saveSamplePicture(path, this.runner, this.opts.sampleCount, this.seed + 2, unpackPlayers(this.state, this.layouts));
    await this.emit({ type: "samples", step: this.step, path });
  }

  record(r: MetricsRecord): void {
    this.log?.append(r);
  }

  async dispose(): Promise<void> {
    await Promise.all([...this.steps.map((s) => s.dispose()), this.runner.dispose()]);
  }
}

/** Trains a model on data; see TrainOptions. On return (or a NaN stop) model.players holds the last good parameters. */
export async function train(model: GenerativeModel, data: DataInput, options: TrainOptions = {}): Promise<TrainResult> {
  const paths = options.out ? runPaths(options.out) : null;
  let resumed: RunConfig | null = null;
  if (options.resume) {
    if (!paths) throw new TrainSetupError("resume needs the run directory (out)");
    resumed = readRunConfig(paths.root);
    if (resumed.family !== model.family) throw new TrainSetupError(`run '${paths.root}' trained model '${resumed.family}', not '${model.family}'`);
  } else if (paths && existsSync(paths.config)) {
    throw new TrainSetupError(`'${paths.root}' already holds a run (config.json exists); resume it with --resume ${paths.root}, or choose another --out`);
  }

  const { source, record } = resolveData(data);
  checkDataShape(model, source);
  const evalResolved = options.evalData !== undefined ? resolveData(options.evalData) : null;
  if (evalResolved) checkDataShape(model, evalResolved.source, "evaluation data");
  const seed = resumed ? resumed.seed : options.seed ?? 0;
  if (!Number.isInteger(seed)) throw new TrainSetupError(`seed must be an integer, got ${seed}`);
  const canSample = !!model.queries.sample && pictureKind(model.dataShape) !== null;
  let opts: ResolvedOptions;
  if (resumed) {
    opts = { ...resumed.options };
    if (options.onNan !== undefined) opts.onNan = options.onNan;
    if (options.steps !== undefined) {
      if (!(Number.isInteger(options.steps) && options.steps > 0)) throw new TrainSetupError(`steps must be a positive integer, got ${options.steps}`);
      opts.steps = options.steps;
    }
  } else {
    opts = resolveOptions(model, options, (bs) => (source.n >= bs ? Math.floor(source.n / bs) : 1), evalResolved !== null, canSample);
  }

  const dataSeed = new Rng(seed).nextUint32();
  const iterator = new BatchIterator(source, {
    batchSize: opts.batchSize,
    shuffle: true,
    seed: dataSeed,
    dropLast: source.n >= opts.batchSize,
    transforms: dataTransforms(model.dataTransform),
  });

  if (options.shards !== undefined && !(Number.isInteger(options.shards) && options.shards >= 1)) throw new TrainSetupError(`shards must be a positive integer, got ${options.shards}`);
  const t = new Trainer(model, source, iterator, evalResolved?.source ?? null, opts, seed, paths, options);
  // batches the objectives cannot take (a packing discriminator's multiple) and shards that
  // cannot work are refused before anything is written
  const rows = Math.min(opts.batchSize, source.n);
  const batch: BatchTensors = { x: new Tensor([rows, ...model.dataShape], "float32", null) };
  if (source.numClasses !== undefined) batch.labels = new Tensor([rows], "int32", null);
  for (const os of t.steps) {
    try {
      os.noiseNeeded(t.state, batch, true);
    } catch (e) {
      await t.dispose();
      throw new TrainSetupError(`model '${model.family}' cannot train on batches of ${rows}: ${(e as Error).message}`);
    }
  }
  if ((options.shards ?? 1) > 1) {
    const why = t.steps.map((os) => os.shardProblem(t.state, batch)).find((w) => w !== null);
    if (why) {
      await t.dispose();
      throw new TrainSetupError(`shards = ${options.shards}: ${why}`);
    }
  }
  let unlock = () => {};
  if (paths) {
    mkdirSync(paths.root, { recursive: true });
    try {
      unlock = takeLock(paths.root);
    } catch (e) {
      await t.dispose();
      throw e;
    }
  }
  const total = () => opts.steps;
  let status: TrainResult["status"] = "completed";
  try {
    if (paths) {
      mkdirSync(paths.checkpoints, { recursive: true });
      mkdirSync(paths.samples, { recursive: true });
      removeStaleTemps(paths.root);
      removeStaleTemps(paths.checkpoints);
      removeStaleTemps(paths.samples);
    }
    if (resumed) {
      const ck = await loadLatestCheckpoint(paths!.checkpoints, (p, why) => t.progress.message(`skipping unreadable checkpoint ${p}: ${why}`));
      if (!ck) throw new TrainSetupError(`run '${paths!.root}' has no readable checkpoint in checkpoints/ to resume from`);
      t.restore(ck);
      t.lastCheckpoint = { step: t.step, path: ck.path, memory: null };
      await t.log!.truncateAfter(t.step);
      if (opts.steps !== resumed.options.steps || opts.onNan !== resumed.options.onNan) await writeRunConfig(paths!, { ...resumed, options: opts });
      t.progress.message(`resuming ${paths!.root} from step ${t.step} (${ck.path})`);
    } else {
      const data: DataRecord = { ...record };
      if (evalResolved) data.eval = evalResolved.record;
      if (paths) {
        const cfg: RunConfig = {
          format: RUN_FORMAT,
          family: model.family,
          config: model.config,
          dataShape: [...model.dataShape],
          dataTransform: model.dataTransform ?? null,
          data,
          seed,
          options: opts,
          created: new Date().toISOString(),
        };
        await writeRunConfig(paths, cfg);
      }
      await t.checkpoint(null); // step 0: what a rollback before the first checkpoint returns to
    }

    t.progress.start(total(), t.step);
    while (t.step < total()) {
      if (options.signal?.aborted) {
        status = "interrupted";
        break;
      }
      const result = await t.iterate();
      if (result instanceof NonFiniteError) {
        if (opts.onNan === "rollback" && t.rollbacks < opts.maxRollbacks) {
          t.rollbacks++;
          await t.rollback(result);
          continue;
        }
        const last = t.lastCheckpoint;
        const where = last?.path ? `; the last good checkpoint is ${last.path} (step ${last.step})` : "";
        const hint = opts.onNan === "rollback" ? ` after ${t.rollbacks} rollbacks` : "; lower the learning rate (--lr) or pass --on-nan rollback";
        if (paths) await writeReport(paths.root);
        throw new NonFiniteError(`${result.message}${hint}${where}`, result.step, result.term, result.objective, result.kind);
      }
      t.step++;
      t.lastValues = result;
      const first = t.key(model.objectives[0].name, null);
      t.windowSum += result[first];
      t.windowCount++;
      const lr = t.lrs(t.step - 1);
      if (stepChannel.hasSubscribers) stepChannel.publish({ step: t.step, values: result } satisfies StepMessage);
      t.progress.update(t.step, result);
      await t.emit({ type: "step", step: t.step, epoch: iterator.epoch, values: result, lr });
      const done = t.step === total();
      if (t.step % opts.logEvery === 0 || done) t.record({ step: t.step, epoch: iterator.epoch, elapsed: Number(t.elapsed.toFixed(3)), train: result, lr });
      let score: number | null = null;
      if (t.evalSource && opts.evalEvery > 0 && (t.step % opts.evalEvery === 0 || done)) {
        const ev = await t.evaluate();
        score = ev[first];
        t.record({ step: t.step, eval: ev });
        t.progress.message(`eval at step ${t.step}: ${Object.entries(ev).map(([k, v]) => `${k} ${formatValue(v)}`).join("  ")}`);
        await t.emit({ type: "eval", step: t.step, values: ev });
      }
      if (canSample && paths && opts.sampleEvery > 0 && (t.step % opts.sampleEvery === 0 || done)) await t.samples();
      if (t.step % opts.checkpointEvery === 0 || done) {
        await t.checkpoint(score ?? (t.evalSource ? null : t.windowSum / t.windowCount));
        t.windowSum = 0;
        t.windowCount = 0;
        if (paths) await writeReport(paths.root);
      }
    }
    if (status === "interrupted" && t.lastCheckpoint?.step !== t.step) {
      await t.checkpoint(null);
      if (paths) await writeReport(paths.root);
      t.progress.message(`interrupted: saved a checkpoint at step ${t.step}${paths ? `; continue with: eikon train --resume ${paths.root}` : ""}`);
    }
    return { status, step: t.step, values: t.lastValues, runDir: paths?.root ?? null, checkpoint: t.lastCheckpoint?.path ?? null, options: opts };
  } finally {
    t.progress.stop();
    model.players = unpackPlayers(t.state, t.layouts);
    await t.dispose();
    unlock();
  }
}
