// The compiled training step of one objective, for models of any number of players: forward,
// backward into the objective's player only, and the buffer updates of every player, in one ONNX
// Runtime session run; then that player's optimizer update — fused on the host in place when the
// optimizer has a host form (src/optim/host), else inside the same graph. Each player's
// parameters travel packed into one flat tensor and its buffers into another; the optimizer
// updates the flat vector elementwise, so its state is a few flat tensors. The learning rate and the step number are
// inputs, so schedules and NaN rollbacks never recompile. With shards the train function is also
// compiled once per shard in worker sessions and trainOn averages their results (optim/shards.ts).
// (optim's trainStep does the same for a single model; a game needs every player's state in each
// objective's step.)
import { add, compile, mul, packInGraph, packedPieces, packSpec, packTree, reshape, sqrt, sum, Tensor, unpackTree, valueAndGrad, type Backend, type Compiled, type PackSpec } from "../engine/index.js";
import { Context, type Noise, type NoiseCount } from "../nn/index.js";
import { combine, partition } from "../nn/index.js";
import type { HostUpdate, Optimizer } from "../optim/index.js";
import { gradientPlaces } from "../optim/host/arena.js";
import { averagePieces, piecesNorm, shardSizes, splitNoise, splitRows, weightedSum } from "../optim/shards.js";
import { workerBackend } from "../engine/index.js";
import type { BatchTensors, GenerativeModel, Objective } from "../models/index.js";
import { symbolic } from "../models/index.js";

export interface PlayerLayout {
  name: string;
  params: PackSpec;
  /** Null for a player without buffers. */
  buffers: PackSpec | null;
}

/** The training state that lives host-side between steps. */
export interface HostState {
  params: Record<string, Tensor>;
  /** Packed buffers of the players that have any. */
  buffers: Record<string, Tensor>;
  /** Optimizer state per trained player (a tree over the packed parameters). */
  opt: Record<string, unknown>;
}

/** Layouts of every player, fixed from the model's initial trees. */
export function playerLayouts(model: GenerativeModel): PlayerLayout[] {
  return Object.entries(model.players).map(([name, tree]) => {
    const parts = partition(tree);
    let params: PackSpec;
    try {
      params = packSpec(parts.params);
    } catch (e) {
      throw new Error(`player '${name}' of model '${model.family}': ${(e as Error).message}`);
    }
    const buffers = packSpec(parts.buffers, params.dtype);
    return { name, params, buffers: buffers.entries.length ? buffers : null };
  });
}

/** Packs players' trees (and fresh optimizer states for the trained ones) into a host state. */
export function packPlayers(players: Record<string, unknown>, layouts: PlayerLayout[], optimizers: Record<string, Optimizer>): HostState {
  const st: HostState = { params: {}, buffers: {}, opt: {} };
  for (const l of layouts) {
    const parts = partition(players[l.name]);
    st.params[l.name] = packTree(parts.params, l.params).flat;
    if (l.buffers) st.buffers[l.name] = packTree(parts.buffers, l.buffers).flat;
    if (optimizers[l.name]) st.opt[l.name] = optimizers[l.name].init(st.params[l.name]);
  }
  return st;
}

/** The players' trees a host state holds (views into the packed arrays, no copy). */
export function unpackPlayers(st: { params: Record<string, Tensor>; buffers: Record<string, Tensor> }, layouts: PlayerLayout[]): Record<string, unknown> {
  return Object.fromEntries(layouts.map((l) => [l.name, combine(unpackTree(st.params[l.name], l.params), l.buffers ? unpackTree(st.buffers[l.name], l.buffers) : emptyBuffers(l))]));
}

function emptyBuffers(l: PlayerLayout): unknown {
  // partition's buffers tree for a player without buffers: its structure with null everywhere.
  return l.params.rebuild(l.params.entries.map(() => null as unknown as Tensor));
}

interface StepArgs {
  params: Record<string, Tensor>;
  buffers: Record<string, Tensor>;
  opt: unknown;
  batch: BatchTensors;
  noise: Noise;
  step: Tensor;
  lr: Tensor;
}

export interface StepResult {
  loss: Tensor;
  metrics: Record<string, Tensor>;
  /** ‖∇loss‖₂ over the player's parameters, before any clipping. */
  gradNorm: Tensor;
  /** The updated parameters and optimizer state (in-graph update). */
  params?: Tensor;
  opt?: unknown;
  /** The packed gradient's pieces (host update: see ObjectiveStep.apply). */
  grad?: Tensor[];
  /** New packed buffers of the players whose buffers the forward updated. */
  buffers: Record<string, Tensor>;
}

interface EvalArgs {
  params: Record<string, Tensor>;
  buffers: Record<string, Tensor>;
  batch: BatchTensors;
  noise: Noise;
  step: Tensor;
}

export interface EvalResult {
  loss: Tensor;
  metrics: Record<string, Tensor>;
}

const scalarOf = (what: string, t: Tensor): Tensor => {
  if (!(t instanceof Tensor)) throw new TypeError(`${what} must be a Tensor`);
  if (t.size !== 1) throw new Error(`${what} must be a scalar, got shape [${t.shape.join(", ")}]; reduce it with mean() or sum()`);
  return t.rank === 0 ? t : reshape(t, []);
};

/** The compiled train and eval functions of one objective. */
export class ObjectiveStep {
  readonly train: Compiled<[StepArgs], StepResult>;
  readonly evaluate: Compiled<[EvalArgs], EvalResult>;
  /** The optimizer's host update, when the step leaves the update to the host. */
  readonly host: HostUpdate<unknown> | undefined;
  /** Time in the host update. */
  readonly updateStats = { calls: 0, ms: 0 };
  /** The train function once per shard, each in a worker session (empty without shards). */
  private readonly trainShards: Compiled<[StepArgs], StepResult>[] = [];
  private noiseCache = new Map<string, NoiseCount>();
  private updatesCache = new Map<string, boolean>();

  constructor(
    readonly model: GenerativeModel,
    readonly objective: Objective,
    readonly layouts: PlayerLayout[],
    readonly optimizer: Optimizer,
    backend?: Backend,
    /** Data-parallel shards of each train step (optim/shards.ts); 1: none. */
    readonly shards = 1,
  ) {
    const me = objective.player;
    const mine = layouts.find((l) => l.name === me);
    if (!mine) throw new Error(`objective '${objective.name}' trains player '${me}', which model '${model.family}' does not have (players: ${layouts.map((l) => l.name).join(", ")})`);
    const label = `${model.family}.${objective.name}`;
    const host = (this.host = optimizer.host);

    if (!Number.isInteger(shards) || shards < 1) throw new RangeError(`shards must be a positive integer, got ${shards}`);
    if (shards > 1 && !host) throw new Error(`objective '${objective.name}': shards average gradients on the host, and this player's optimizer has no host update`);
    const trainBody = (a: StepArgs): StepResult => {
      const ctx = Context.train(a.noise);
      const trees = this.unpack(a.params, a.buffers);
      const vg = valueAndGrad(
        (own: unknown): [Tensor, Record<string, Tensor>] => {
          const r = this.callLoss({ ...trees.params, [me]: own }, trees.buffers, a.batch, ctx, a.step);
          return [r.loss, r.metrics];
        },
        { hasAux: true },
      );
      const { value, grad, aux } = vg(trees.params[me]);
      const buffers: Record<string, Tensor> = {};
      if (ctx.hasUpdates) {
        const withBuffers = layouts.filter((l) => l.buffers);
        const before = Object.fromEntries(withBuffers.map((l) => [l.name, trees.buffers[l.name]]));
        const after = ctx.applyUpdates(before) as Record<string, unknown>;
        for (const l of withBuffers) {
          const packed = packInGraph(after[l.name], l.buffers!);
          buffers[l.name] = packed;
        }
      }
      if (host) {
        const pieces = packedPieces(grad, mine.params);
        // the gradient's pieces first: they are the compiled step's outputs 0…k−1 (see trainOn)
        return { grad: pieces, loss: value, metrics: aux, gradNorm: sqrt(pieces.map((p) => sum(mul(p, p))).reduce((x, y) => add(x, y))), buffers };
      }
      const g = packInGraph(grad, mine.params);
      const gradNorm = sqrt(sum(mul(g, g)));
      const upd = this.optimizer.update(g, a.opt, a.params[me], a.lr);
      return { loss: value, metrics: aux, gradNorm, params: upd.params as Tensor, opt: upd.state, buffers };
    };
    this.train = compile(trainBody, { name: `${label}.train`, backend });
    if (shards > 1) {
      const workers = workerBackend({ threads: 1 });
      for (let i = 0; i < shards; i++) this.trainShards.push(compile(trainBody, { name: `${label}.train[shard ${i}]`, backend: workers }));
    }

    this.evaluate = compile((a: EvalArgs): EvalResult => {
      const ctx = Context.eval(a.noise);
      const trees = this.unpack(a.params, a.buffers);
      return this.callLoss(trees.params, trees.buffers, a.batch, ctx, a.step);
    }, { name: `${label}.eval`, backend });
  }

  /**
   * Why this objective cannot train in shards on batches of this shape, or null if it can: the
   * batch must split, and the forward must not update buffers (statistics would be per shard).
   */
  shardProblem(state: { params: Record<string, Tensor>; buffers: Record<string, Tensor> }, batch: BatchTensors): string | null {
    if (this.shards === 1) return null;
    if (batch.x.shape[0] < this.shards) return `a batch of ${batch.x.shape[0]} cannot be split into ${this.shards} shards`;
    this.noiseNeeded(state, batch, true);
    for (const k of new Set(shardSizes(batch.x.shape[0], this.shards))) {
      const rows = (t: Tensor) => new Tensor([k, ...t.shape.slice(1)], t.dtype, null);
      try {
        this.noiseNeeded(state, batch.labels ? { x: rows(batch.x), labels: rows(batch.labels) } : { x: rows(batch.x) }, true);
      } catch (e) {
        return `a shard of ${k} of the batch's ${batch.x.shape[0]} examples: ${(e as Error).message}`;
      }
    }
    if (this.updatesCache.get(this.cacheKey(true, batch))) {
      return `objective '${this.objective.name}' of model '${this.model.family}' updates buffers in training (batch norm's running statistics, spectral norm's vectors, an EMA of weights), which shards would compute per shard; train it without shards`;
    }
    return null;
  }

  /** One train step: the compiled function, or its shards at once with their results averaged (weights n_shard / n). */
  async trainOn(a: StepArgs): Promise<StepResult> {
    if (this.trainShards.length === 0) {
      // the gradient written straight into the host update's arena (as optim's trainStep does)
      const me = this.objective.player;
      const into = this.host ? gradientPlaces(a.params[me], this.layouts.find((l) => l.name === me)!.params) : null;
      return into ? this.train.callInto(into, a) : this.train(a);
    }
    const why = this.shardProblem(a, a.batch);
    if (why) throw new Error(why);
    const n = a.batch.x.shape[0];
    const sizes = shardSizes(n, this.shards);
    const leaves = a.batch.labels ? [a.batch.x, a.batch.labels] : [a.batch.x];
    const batches = splitRows(leaves, sizes).map(([x, labels]): BatchTensors => (labels ? { x, labels } : { x }));
    const noises = splitNoise(a.noise, batches.map((b) => this.noiseNeeded(a, b, true)), `objective '${this.objective.name}'`);
    const weights = sizes.map((k) => k / n);
    const rs = await Promise.all(this.trainShards.map((c, i) => c({ ...a, batch: batches[i], noise: noises[i] })));
    const grad = averagePieces(rs.map((r) => r.grad!), weights);
    const metrics = Object.fromEntries(Object.keys(rs[0].metrics).map((k) => [k, weightedSum(rs.map((r) => r.metrics[k]), weights)]));
    const norm = piecesNorm(grad);
    const gradNorm = new Tensor([], grad[0].dtype, grad[0].dtype === "float64" ? Float64Array.of(norm) : Float32Array.of(norm));
    return { loss: weightedSum(rs.map((r) => r.loss), weights), metrics, gradNorm, grad, buffers: {} };
  }

  /**
   * The player's new parameters and optimizer state after a train() result: the graph's own
   * (in-graph update), or the host update applied now — in place, so call it only once the step
   * is accepted (the trainer's NaN guard checks the loss first).
   */
  apply(result: StepResult, params: Tensor, opt: unknown, lr: number): { params: Tensor; opt: unknown } {
    if (!this.host) return { params: result.params!, opt: result.opt };
    const t0 = performance.now();
    const r = this.host.apply(params, result.grad!, opt, lr);
    this.updateStats.calls++;
    this.updateStats.ms += performance.now() - t0;
    return { params: r.params, opt: r.state };
  }

  private unpack(params: Record<string, Tensor>, buffers: Record<string, Tensor>): { params: Record<string, unknown>; buffers: Record<string, unknown> } {
    const p: Record<string, unknown> = {};
    const b: Record<string, unknown> = {};
    for (const l of this.layouts) {
      p[l.name] = unpackTree(params[l.name], l.params);
      b[l.name] = l.buffers ? unpackTree(buffers[l.name], l.buffers) : emptyBuffers(l);
    }
    return { params: p, buffers: b };
  }

  private callLoss(params: Record<string, unknown>, buffers: Record<string, unknown>, batch: BatchTensors, ctx: Context, step: Tensor): EvalResult {
    const players = Object.fromEntries(this.layouts.map((l) => [l.name, combine(params[l.name], buffers[l.name])]));
    const r = this.objective.loss(players, batch, ctx, step);
    const name = this.objective.name;
    const metrics: Record<string, Tensor> = {};
    for (const [k, v] of Object.entries(r.metrics ?? {})) metrics[k] = scalarOf(`metric '${k}' of objective '${name}'`, v);
    return { loss: scalarOf(`the loss of objective '${name}'`, r.loss), metrics };
  }

  /** Noise one step needs for a batch of this shape (train or eval mode), from a symbolic trace. */
  noiseNeeded(state: { params: Record<string, Tensor>; buffers: Record<string, Tensor> }, batch: BatchTensors, train: boolean): NoiseCount {
    const key = this.cacheKey(train, batch);
    let need = this.noiseCache.get(key);
    if (!need) {
      const ctx = Context.measure({ train });
      const trees = this.unpack(symbolic(state.params), symbolic(state.buffers));
      this.callLoss(trees.params, trees.buffers, symbolic(batch), ctx, new Tensor([], "float32", null));
      need = ctx.used;
      this.noiseCache.set(key, need);
      this.updatesCache.set(key, ctx.hasUpdates);
    }
    return need;
  }

  private cacheKey(train: boolean, batch: BatchTensors): string {
    return `${train}|${batch.x.shape.join(",")}|${batch.labels ? "l" : ""}`;
  }

  async dispose(): Promise<void> {
    await Promise.all([this.train.dispose(), this.evaluate.dispose(), ...this.trainShards.map((c) => c.dispose())]);
  }
}
