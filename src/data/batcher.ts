// The batcher: seeded shuffling, batching (optionally dropping the last partial batch), transforms, prefetching,
// and a resumable position: getState() can go into a checkpoint, and setState() on a fresh iterator over the same
// source replays exactly the batches the original run would have drawn next.
import { Rng, type RngState } from "../engine/random.js";
import { DataError } from "./errors.js";
import { applyTransform } from "./transforms.js";
import { exampleSize, type Batch, type DataSource, type TransformLike } from "./types.js";

export interface BatchIteratorOptions {
  batchSize: number;
  /** Reshuffle every epoch (default true); false keeps dataset order. */
  shuffle?: boolean;
  /** Seeds both the shuffling and the transforms' randomness (default 0). */
  seed?: number;
  /** Drop the last, smaller batch of each epoch (default false). */
  dropLast?: boolean;
  /** Applied in order to every batch with the iterator's own Rng. */
  transforms?: readonly TransformLike[];
  /** Batches prepared ahead of the consumer (default 1; 0 disables). Does not change which batches come out. */
  prefetch?: number;
}

type SavedRng = { s: RngState; spare: number | null };

/** A JSON-serializable iteration position. */
export interface IteratorState {
  /** Epoch of the next batch. */
  epoch: number;
  /** Index of the next batch within its epoch. */
  index: number;
  /** State of the shuffling Rng at the start of `epoch`, before it drew that epoch's permutation. */
  rng: SavedRng;
  /** State of the transforms' Rng. */
  transformRng: SavedRng;
  /** Checked on restore: the source size and batch size the state was saved with. */
  n: number;
  batchSize: number;
}

interface Produced {
  batch: Batch;
  state: IteratorState;
}

/** Thrown to a next() call whose batch was abandoned because setState() (or an earlier failure) reset the iterator. */
function stale(name: string): DataError {
  return new DataError(`${name}: the iterator was reset (setState or an earlier failed batch) while this batch was being prepared; call next() again`);
}

function copyRng(r: SavedRng): SavedRng {
  return { s: [r.s[0], r.s[1], r.s[2], r.s[3]], spare: r.spare };
}

function copyState(st: IteratorState): IteratorState {
  return { epoch: st.epoch, index: st.index, rng: copyRng(st.rng), transformRng: copyRng(st.transformRng), n: st.n, batchSize: st.batchSize };
}

export class BatchIterator {
  readonly source: DataSource;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly transforms: readonly TransformLike[];
  /** Batches per epoch. */
  readonly epochLength: number;
  private readonly prefetch: number;
  private readonly d: number;
  private readonly labeled: boolean;
  private readonly shuffleRng: Rng;
  private readonly transformRng: Rng;
  // Live position (runs ahead of the consumer by the prefetched batches).
  private liveEpoch = 0;
  private liveIndex = 0;
  private epochStart!: SavedRng;
  private order!: Int32Array;
  // Position after the last batch handed to the consumer.
  private consumed: IteratorState;
  private queue: { promise: Promise<Produced>; generation: number }[] = [];
  private chain: Promise<unknown> = Promise.resolve();
  private generation = 0;

  constructor(source: DataSource, options: BatchIteratorOptions) {
    const { batchSize } = options;
    if (!(Number.isInteger(batchSize) && batchSize > 0)) throw new DataError(`BatchIterator: batchSize must be a positive integer, got ${batchSize}`);
    this.source = source;
    this.batchSize = batchSize;
    this.shuffle = options.shuffle ?? true;
    this.dropLast = options.dropLast ?? false;
    this.transforms = [...(options.transforms ?? [])];
    this.prefetch = Math.max(0, Math.floor(options.prefetch ?? 1));
    this.d = exampleSize(source.exampleShape);
    this.labeled = source.numClasses !== undefined;
    this.epochLength = this.dropLast ? Math.floor(source.n / batchSize) : Math.ceil(source.n / batchSize);
    if (this.epochLength === 0) {
      throw new DataError(`${source.name}: ${source.n} examples give no batch of ${batchSize}${this.dropLast ? " with dropLast" : ""}; use a smaller batchSize${this.dropLast ? " or dropLast: false" : ""}`);
    }
    const root = new Rng(options.seed ?? 0);
    this.shuffleRng = root.fork();
    this.transformRng = root.fork();
    this.startEpoch();
    this.consumed = this.snapshot();
  }

  /** Epoch of the next batch (0-based). */
  get epoch(): number {
    return this.consumed.epoch;
  }

  /** Index of the next batch within its epoch. */
  get index(): number {
    return this.consumed.index;
  }

  /** The position after the last batch returned by next(), for checkpoints. */
  getState(): IteratorState {
    return copyState(this.consumed);
  }

  /** Resumes from a saved position: the following batches are those the saving iterator would have produced next. */
  setState(state: IteratorState): void {
    if (state.n !== this.source.n || state.batchSize !== this.batchSize) {
      throw new DataError(`${this.source.name}: iterator state was saved for ${state.n} examples in batches of ${state.batchSize}, but this iterator has ${this.source.n} examples in batches of ${this.batchSize}; resume with the same data and batch size`);
    }
    if (!(Number.isInteger(state.index) && state.index >= 0 && state.index < this.epochLength && Number.isInteger(state.epoch) && state.epoch >= 0)) {
      throw new DataError(`${this.source.name}: iterator state has an invalid position (epoch ${state.epoch}, index ${state.index}; ${this.epochLength} batches per epoch)`);
    }
    this.generation++;
    this.queue = [];
    this.chain = Promise.resolve();
    this.restore(state);
  }

  /** The next batch; runs forever, reshuffling at each epoch. Concurrent calls are served in order. */
  async next(): Promise<Batch> {
    if (this.queue.length === 0) this.enqueue(false);
    const entry = this.queue.shift()!;
    while (this.queue.length < this.prefetch) this.enqueue(true);
    let produced: Produced;
    try {
      produced = await entry.promise;
    } catch (err) {
      // Forget the batches prepared after the failure, and retry from the last good position next time
      // (unless the iterator was already reset by setState after this batch was queued).
      if (entry.generation === this.generation) {
        this.generation++;
        this.queue = [];
        this.chain = Promise.resolve();
        this.restore(this.consumed);
      }
      throw err;
    }
    if (entry.generation === this.generation) this.consumed = produced.state;
    return produced.batch;
  }

  /** The remaining batches of the current epoch. */
  async *epochBatches(): AsyncGenerator<Batch> {
    const e = this.epoch;
    do yield await this.next();
    while (this.epoch === e);
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Batch> {
    for (;;) yield await this.next();
  }

  /**
   * Queues the production of one batch after the ones already queued. A prefetched batch starts in a later
   * macrotask (setImmediate), i.e. once the consumer yields to the event loop — typically while it awaits an
   * asynchronous training step — so that preparing data overlaps with the step instead of delaying its start.
   */
  private enqueue(ahead: boolean): void {
    const gen = this.generation;
    const start = ahead ? this.chain.then(() => new Promise<void>((resolve) => setImmediate(resolve))) : this.chain;
    const p = start.then(() => this.produce(gen)) as Promise<Produced>;
    p.catch(() => undefined); // rejections are reported to the consumer of that batch
    this.chain = p;
    this.queue.push({ promise: p, generation: gen });
  }

  private startEpoch(): void {
    this.epochStart = this.shuffleRng.getState();
    if (this.shuffle) {
      this.order = this.shuffleRng.permutation(this.source.n);
    } else {
      this.order = new Int32Array(this.source.n);
      for (let i = 0; i < this.order.length; i++) this.order[i] = i;
    }
  }

  private restore(state: IteratorState): void {
    this.shuffleRng.setState(copyRng(state.rng));
    this.transformRng.setState(copyRng(state.transformRng));
    this.startEpoch();
    this.liveEpoch = state.epoch;
    this.liveIndex = state.index;
    this.consumed = copyState(state);
  }

  private snapshot(): IteratorState {
    return {
      epoch: this.liveEpoch,
      index: this.liveIndex,
      rng: copyRng(this.epochStart),
      transformRng: this.transformRng.getState(),
      n: this.source.n,
      batchSize: this.batchSize,
    };
  }

  private async produce(gen: number): Promise<Produced> {
    if (gen !== this.generation) throw stale(this.source.name);
    const start = this.liveIndex * this.batchSize;
    const count = Math.min(this.batchSize, this.source.n - start);
    const indices = this.order.slice(start, start + count);
    this.liveIndex++;
    if (this.liveIndex >= this.epochLength) {
      this.liveEpoch++;
      this.liveIndex = 0;
      this.startEpoch();
    }
    const x = new Float32Array(count * this.d);
    const labels = this.labeled ? new Int32Array(count) : undefined;
    const pending = this.source.read(indices, x, labels);
    if (pending) await pending;
    if (gen !== this.generation) throw stale(this.source.name);
    let batch: Batch = { x, shape: [count, ...this.source.exampleShape], indices };
    if (labels) batch.labels = labels;
    for (const t of this.transforms) batch = applyTransform(t, batch, this.transformRng);
    return { batch, state: this.snapshot() };
  }
}

/** Convenience: new BatchIterator(source, options). */
export function batches(source: DataSource, options: BatchIteratorOptions): BatchIterator {
  return new BatchIterator(source, options);
}
