// Data-parallel steps on one machine: the batch split along its first axis into shards, each
// shard's forward and backward compiled into a session of its own in a worker thread (one op thread
// each), run at once, and the results averaged on the host with weights n_shard / n. That average
// is the whole batch's gradient when the loss is a mean over examples and nothing couples the
// examples (batch norm in training mode does; shards refuse a step that updates buffers).
// ONNX Runtime's own op threads scale poorly on conv nets (bench/NOTES.md: pixelcnn 1 → 2 threads
// 1.23×; two one-thread shards 1.9×); for large GEMMs they scale well and shards gain nothing.
import { Tensor, type Compiled, type CompiledStats } from "../engine/index.js";
import { allocate } from "../engine/dtype.js";
import type { Noise, NoiseCount } from "../nn/context.js";

/** The shards' sizes: n split as evenly as possible, larger shards first. */
export function shardSizes(n: number, shards: number): number[] {
  if (!Number.isInteger(shards) || shards < 1) throw new RangeError(`shards must be a positive integer, got ${shards}`);
  if (n < shards) throw new RangeError(`a batch of ${n} cannot be split into ${shards} shards; use a batch of at least ${shards} or fewer shards`);
  const base = Math.floor(n / shards);
  return Array.from({ length: shards }, (_, i) => base + (i < n % shards ? 1 : 0));
}

/** Rows [start, start + count) of a host tensor along its first axis (a view, no copy). */
function rows(t: Tensor, start: number, count: number): Tensor {
  const per = t.shape.slice(1).reduce((a, b) => a * b, 1);
  return new Tensor([count, ...t.shape.slice(1)], t.dtype, t.values().subarray(start * per, (start + count) * per));
}

/** The batch size of a record of host tensors: their common first dimension. */
export function leadingSize(leaves: Tensor[], what: string): number {
  if (leaves.length === 0) throw new Error(`${what}: shards split the batch along its first axis, but the batch holds no tensors`);
  const n = leaves[0].rank > 0 ? leaves[0].shape[0] : -1;
  for (const t of leaves) {
    if (t.rank === 0 || t.shape[0] !== n) {
      throw new Error(`${what}: shards split every batch tensor along its first axis, so they must share it; got shapes ${leaves.map((l) => `[${l.shape.join(", ")}]`).join(", ")}`);
    }
  }
  return n;
}

/** Each leaf split into consecutive row ranges of the given sizes. */
export function splitRows(leaves: Tensor[], sizes: number[]): Tensor[][] {
  let at = 0;
  return sizes.map((n) => {
    const part = leaves.map((t) => rows(t, at, n));
    at += n;
    return part;
  });
}

/**
 * The noise of a whole batch dealt out to the shards: each takes the next values of each kind, as
 * many as its own forward consumes (the draws are i.i.d., so any split is a valid draw).
 */
export function splitNoise(noise: Noise, needs: NoiseCount[], what: string): Noise[] {
  const at = { uniform: 0, normal: 0 };
  const out = needs.map(() => ({}) as Noise);
  for (const kind of ["uniform", "normal"] as const) {
    const total = needs.reduce((s, n) => s + n[kind], 0);
    if (total === 0) continue;
    const src = noise[kind];
    const have = src?.size ?? 0;
    if (!src || have < total) {
      throw new Error(`${what}: the shards' forwards need ${total} ${kind} noise values together but ${have} were supplied (measure the noise of the whole batch with measureNoise)`);
    }
    needs.forEach((n, i) => {
      if (n[kind] === 0) return;
      out[i][kind] = new Tensor([n[kind]], src.dtype, src.values().subarray(at[kind], at[kind] + n[kind]));
      at[kind] += n[kind];
    });
  }
  return out;
}

/** Σ wᵢ·xᵢ over same-shaped host tensors, in their dtype. */
export function weightedSum(parts: Tensor[], weights: number[]): Tensor {
  const first = parts[0];
  const out = allocate(first.dtype, first.size) as Float32Array | Float64Array;
  parts.forEach((p, k) => {
    const v = p.values() as Float32Array | Float64Array;
    if (v.length !== out.length) throw new Error(`shards: results of different sizes (${v.length} and ${out.length}) cannot be averaged`);
    if (out instanceof Float32Array && v instanceof Float32Array) axpy32(out, v, weights[k]);
    else axpy(out, v, weights[k]);
  });
  return new Tensor(first.shape, first.dtype, out);
}

// monomorphic loops: the generic one over a union of typed arrays ran ~10× slower (bench/NOTES.md)
function axpy32(out: Float32Array, v: Float32Array, w: number): void {
  for (let i = 0; i < out.length; i++) out[i] += w * v[i];
}
function axpy(out: Float32Array | Float64Array, v: ArrayLike<number>, w: number): void {
  for (let i = 0; i < out.length; i++) out[i] += w * v[i];
}

/** The gradient pieces of every shard averaged piece by piece. */
export function averagePieces(pieces: Tensor[][], weights: number[]): Tensor[] {
  return pieces[0].map((_, j) => weightedSum(pieces.map((p) => p[j]), weights));
}

/** ‖g‖₂ over gradient pieces, accumulated in float64. */
export function piecesNorm(pieces: Tensor[]): number {
  let s = 0;
  for (const p of pieces) {
    const v = p.values();
    for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  }
  return Math.sqrt(s);
}

// Compiled functions that run at once (shards in worker sessions): one call per round, and the
// session time of a round is the longest of its members', so that host time (wall − session time)
// does not count the wait for the slower shard.
export interface ParallelRun {
  members: Compiled<any, any>[];
  stats: CompiledStats;
  /** Run every member at once with its own arguments; record the round. */
  run<R>(args: unknown[][]): Promise<R[]>;
}

export function parallelRun(members: Compiled<any, any>[]): ParallelRun {
  const stats: CompiledStats = {
    calls: 0,
    runMs: 0,
    totalMs: 0,
    get compiles() {
      return members.reduce((n, c) => n + c.stats.compiles, 0);
    },
    get compileMs() {
      return members.reduce((n, c) => n + c.stats.compileMs, 0);
    },
  };
  return {
    members,
    stats,
    async run<R>(args: unknown[][]): Promise<R[]> {
      const before = members.map((c) => c.stats.runMs);
      const t0 = performance.now();
      const rs = (await Promise.all(members.map((c, i) => (c as (...a: unknown[]) => Promise<unknown>)(...args[i])))) as R[];
      stats.calls++;
      stats.totalMs += performance.now() - t0;
      stats.runMs += Math.max(...members.map((c, i) => c.stats.runMs - before[i]));
      return rs;
    },
  };
}
