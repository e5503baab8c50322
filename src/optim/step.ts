// trainStep: one compiled function that runs a whole training step in one ONNX Runtime
// session run — forward, backward, buffer updates, and the optimizer update: fused on the host
// over the packed vector when the optimizer has a host form (SGD, Adam, AdamW, RMSprop and their
// clipping and EMA wrappers; see host/update.ts), else in the graph. Parameters travel packed
// into one flat tensor (the optimizer updates the flat vector elementwise; its state is a few
// flat leaves), buffers into another, so a step feeds and returns a handful of large arrays
// however many layers the model has. The learning rate is an input: schedules never recompile.
import { gradientPlaces } from "./host/arena.js";
import { Tensor, compile, flattenTree, mapTree, scalar, valueAndGrad, workerBackend, type Backend, type Compiled, type CompiledStats, type DType } from "../engine/index.js";
import { packInGraph, packSpec, packTree, packedPieces, unpackTree, type PackSpec } from "../engine/packing.js";
import { Context, type Noise, type NoiseCount } from "../nn/context.js";
import { combine, partition, type TensorInfo } from "../nn/module.js";
import type { Optimizer } from "./optimizer.js";
import { averagePieces, leadingSize, parallelRun, shardSizes, splitNoise, splitRows, weightedSum } from "./shards.js";

/** What a step carries from one call to the next. */
export interface StepState<S = unknown> {
  /** Every trainable parameter, packed (flat, 1-D). */
  params: Tensor;
  /** Every buffer, packed; null for a model without buffers. */
  buffers: Tensor | null;
  /** The optimizer's state over the packed parameters. */
  opt: S;
}

export interface StepOutput<S, Aux> {
  loss: Tensor;
  aux: Aux;
  state: StepState<S>;
}

/** The loss of one batch: combine(params, buffers) is the model. Return [loss, aux] to get aux back. */
export type LossFn<M, B, Aux> = (params: M, buffers: M, batch: B, ctx: Context) => Tensor | [Tensor, Aux];

export interface TrainStepOptions<M, B, S, Aux> {
  lossFn: LossFn<M, B, Aux>;
  optimizer: Optimizer<S>;
  /** Context mode of the forward (default true: batch statistics, dropout, buffer updates). */
  train?: boolean;
  /** Which tensors train (default: all but buffers); the others ride along as buffers. */
  isParam?: (info: TensorInfo, t: Tensor) => boolean;
  name?: string;
  backend?: Backend;
  /**
   * Run the optimizer's fused host update when it has one (default true). The step then updates
   * a float32 state in place: the state passed in is consumed (copy it to keep it). false keeps
   * the whole update in the graph and every state immutable.
   */
  hostUpdate?: boolean;
  /**
   * Split each batch along its first axis into this many shards that run at once, each in a
   * session of its own in a worker thread (see shards.ts; default 1: no split). The loss must be a
   * mean over the batch's examples (aux values must be scalar means, averaged the same way), the forward must not
   * update buffers (batch norm's statistics would be per shard), and the optimizer must have a
   * host update. Faster where ONNX Runtime's op threads scale poorly (conv nets).
   */
  shards?: number;
  /** Where shards run (default: workerBackend with one op thread per session). */
  shardBackend?: Backend;
}

export interface TrainStep<M, B, S, Aux> {
  /** One compiled step. `lr` is fed as a scalar tensor; `noise` as Context noise (see measureNoise). */
  (state: StepState<S>, batch: B, lr: Tensor | number, noise?: Noise): Promise<StepOutput<S, Aux>>;
  /** Pack a model (and fresh optimizer state) into a step state; fixes the model structure of this step. */
  init(model: M): StepState<S>;
  /** The model a state holds (host-side views into the packed arrays, no copy). */
  model(state: StepState<S>): M;
  /** The same step run eagerly (float64 checks, debugging): identical code, no ONNX. */
  eager(state: StepState<S>, batch: B, lr: Tensor | number, noise?: Noise): StepOutput<S, Aux>;
  /** Noise one step consumes, from a symbolic trace of the forward (no compute). */
  measureNoise(state: StepState<S>, batch: B): NoiseCount;
  /** The compiled function itself: stats (calls, runMs, totalMs), trace, toOnnx, dispose. */
  readonly compiled: Compiled<[StepState<S>, B, Tensor, Noise], RawOutput<S, Aux>>;
  /** Calls, session and compile time of the step (with shards: session time is the longest shard's each step). */
  readonly stats: CompiledStats;
  /** Time spent in the host-side optimizer update (zero calls when the update is in the graph). */
  readonly updateStats: { calls: number; ms: number };
  dispose(): Promise<void>;
}

/** What the compiled function returns, before the step reassembles the state. */
export interface RawOutput<S, Aux> {
  loss: Tensor;
  aux: Aux;
  buffers: Tensor | null;
  /** The updated parameters and optimizer state (in-graph update). */
  params?: Tensor;
  opt?: S;
  /** The packed gradient's pieces, for the host update. */
  grad?: Tensor[];
}

interface Specs {
  params: PackSpec;
  buffers: PackSpec;
}

const withDtype = (spec: PackSpec, dtype: DType): PackSpec => (spec.dtype === dtype ? spec : { ...spec, dtype });

export function trainStep<M, B = unknown, S = unknown, Aux = undefined>(opts: TrainStepOptions<M, B, S, Aux>): TrainStep<M, B, S, Aux> {
  const label = opts.name ?? "trainStep";
  const train = opts.train ?? true;
  const host = opts.hostUpdate === false ? undefined : opts.optimizer.host;
  let specs: Specs | null = null;

  const need = (params: Tensor): Specs => {
    if (!specs) throw new Error(`${label}: call init(model) before stepping (it fixes the packing layout)`);
    return { params: withDtype(specs.params, params.dtype), buffers: withDtype(specs.buffers, params.dtype) };
  };
  const unpackBuffers = (state: StepState<S>, s: Specs): M => (state.buffers ? unpackTree(state.buffers, s.buffers) : s.buffers.rebuild([]));

  const body = (state: StepState<S>, batch: B, lr: Tensor, noise: Noise): RawOutput<S, Aux> => {
    const s = need(state.params);
    const params: M = unpackTree(state.params, s.params);
    const buffers = unpackBuffers(state, s);
    const ctx = train ? Context.train(noise) : Context.eval(noise);
    const vg = valueAndGrad(
      (p: M) => {
        const r = opts.lossFn(p, buffers, batch, ctx);
        return r instanceof Tensor ? ([r, undefined] as [Tensor, Aux]) : r;
      },
      { hasAux: true },
    );
    const { value, grad, aux } = vg(params);
    const newBuffers = ctx.hasUpdates && state.buffers ? packInGraph(ctx.applyUpdates(buffers), s.buffers) : null;
    // the gradient's pieces first: they are the compiled step's outputs 0…k−1 (see step below)
    if (host) return { grad: packedPieces(grad, s.params), loss: value, aux: aux as Aux, buffers: newBuffers };
    const upd = opts.optimizer.update(packInGraph(grad, s.params), state.opt, state.params, lr);
    return { loss: value, aux: aux as Aux, params: upd.params, buffers: newBuffers, opt: upd.state };
  };

  const shards = opts.shards ?? 1;
  if (!Number.isInteger(shards) || shards < 1) throw new RangeError(`${label}: shards must be a positive integer, got ${shards}`);
  if (shards > 1 && !host) {
    throw new Error(`${label}: shards average the shards' gradients on the host, so they need an optimizer with a host update and hostUpdate not false`);
  }
  const sharded = shards > 1 ? (opts.shardBackend ?? workerBackend({ threads: 1 })) : null;
  const compiledShards = sharded ? Array.from({ length: shards }, (_, i) => compile(body, { name: `${label}[shard ${i}]`, backend: sharded })) : [];
  const compiled = compiledShards[0] ?? compile(body, { name: label, backend: opts.backend });
  const lrTensor = (lr: Tensor | number, state: StepState<S>) => (typeof lr === "number" ? scalar(lr, state.params.dtype) : lr);
  const updateStats = { calls: 0, ms: 0 };
  const finish = (state: StepState<S>, r: RawOutput<S, Aux>, lr: Tensor): StepOutput<S, Aux> => {
    const buffers = r.buffers ?? state.buffers;
    if (!host) return { loss: r.loss, aux: r.aux, state: { params: r.params!, buffers, opt: r.opt! } };
    const t0 = performance.now();
    const upd = host.apply(state.params, r.grad!, state.opt, lr.item());
    updateStats.calls++;
    updateStats.ms += performance.now() - t0;
    return { loss: r.loss, aux: r.aux, state: { params: upd.params, buffers, opt: upd.state } };
  };

  // the step's stats: with shards they run at once, so its session time is the longest shard's
  const shardRun = parallelRun(compiledShards);

  // noise per shard batch shape, measured once (a symbolic trace of the loss costs milliseconds)
  const shardNeeds = new Map<string, NoiseCount>();
  const shardNoise = (state: StepState<S>, b: B): NoiseCount => {
    const key = flattenTree([state.params, b]).leaves.map((t) => `${t.dtype}[${t.shape.join(",")}]`).join(";");
    let need = shardNeeds.get(key);
    if (!need) shardNeeds.set(key, (need = stepApi.measureNoise(state, b)));
    return need;
  };
  /** The batch in shards, each with its share of the noise and its weight n_shard / n. */
  const plan = (state: StepState<S>, batch: B, noise: Noise) => {
    const flat = flattenTree(batch);
    const n = leadingSize(flat.leaves, label);
    const sizes = shardSizes(n, shards);
    const batches = splitRows(flat.leaves, sizes).map((leaves) => flat.rebuild(leaves) as B);
    const noises = splitNoise(noise, batches.map((b) => shardNoise(state, b)), label);
    return { batches, noises, weights: sizes.map((k) => k / n) };
  };
  /** The shards' results as one: loss, aux and gradient averaged with the shards' weights. */
  const reduce = (rs: RawOutput<S, Aux>[], weights: number[]): RawOutput<S, Aux> => {
    if (rs.some((r) => r.buffers)) {
      throw new Error(`${label}: this forward updates buffers (batch norm's running statistics, spectral norm's vectors), which shards would compute per shard; train it without shards`);
    }
    const auxLeaves = rs.map((r) => flattenTree(r.aux).leaves);
    const aux = mapTree(rs[0].aux, (t, i) => {
      if (t.size !== 1) throw new Error(`${label}: with shards every aux value must be a scalar (a mean over the batch, averaged over the shards); got one of shape [${t.shape.join(", ")}]`);
      return weightedSum(auxLeaves.map((l) => l[i]), weights);
    });
    return { loss: weightedSum(rs.map((r) => r.loss), weights), aux, buffers: null, grad: averagePieces(rs.map((r) => r.grad!), weights) };
  };

  const step = async (state: StepState<S>, batch: B, lr: Tensor | number, noise?: Noise) => {
    const rate = lrTensor(lr, state);
    if (!sharded) {
      // the gradient written straight into the host update's arena (no copy in the update)
      const into = host ? gradientPlaces(state.params, need(state.params).params) : null;
      return finish(state, await (into ? compiled.callInto(into, state, batch, rate, noise ?? {}) : compiled(state, batch, rate, noise ?? {})), rate);
    }
    const p = plan(state, batch, noise ?? {});
    const rs = await shardRun.run<RawOutput<S, Aux>>(p.batches.map((b, i) => [state, b, rate, p.noises[i]]));
    return finish(state, reduce(rs, p.weights), rate);
  };

  const stepApi = Object.assign(step, {
    init(model: M): StepState<S> {
      const parts = partition(model, opts.isParam);
      const ps = packSpec(parts.params);
      const bs = packSpec(parts.buffers, ps.dtype);
      if (ps.entries.length === 0) throw new Error(`${label}: the model has no parameters to train`);
      if (specs && (specs.params.def !== ps.def || specs.params.total !== ps.total || specs.buffers.total !== bs.total)) {
        throw new Error(`${label}: init was given a model of another structure than before; make a new trainStep for it`);
      }
      specs ??= { params: ps, buffers: bs };
      const params = packTree(parts.params, ps).flat;
      return { params, buffers: bs.entries.length ? packTree(parts.buffers, bs).flat : null, opt: opts.optimizer.init(params) };
    },
    model(state: StepState<S>): M {
      const s = need(state.params);
      return combine(unpackTree(state.params, s.params), unpackBuffers(state, s));
    },
    eager(state: StepState<S>, batch: B, lr: Tensor | number, noise?: Noise) {
      const rate = lrTensor(lr, state);
      if (!sharded) return finish(state, body(state, batch, rate, noise ?? {}), rate);
      const p = plan(state, batch, noise ?? {});
      return finish(state, reduce(p.batches.map((b, i) => body(state, b, rate, p.noises[i])), p.weights), rate);
    },
    measureNoise(state: StepState<S>, batch: B): NoiseCount {
      const s = need(state.params);
      const flat = flattenTree([state, batch]);
      const [st, b] = flat.rebuild(flat.leaves.map((t) => new Tensor(t.shape, t.dtype, null))) as [StepState<S>, B];
      const ctx = Context.measure({ train, dtype: state.params.dtype });
      opts.lossFn(unpackTree(st.params, s.params), unpackBuffers(st, s), b, ctx);
      return ctx.used;
    },
    compiled,
    stats: sharded ? shardRun.stats : compiled.stats,
    updateStats,
    dispose: async () => {
      await Promise.all((compiledShards.length ? compiledShards : [compiled]).map((c) => c.dispose()));
    },
  });
  return stepApi;
}
