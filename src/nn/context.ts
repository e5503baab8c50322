// Context: what a forward pass needs besides its input. It says whether the model is training,
// collects buffer updates (BatchNorm's running statistics, spectral norm's u and v) so they
// happen in-graph as part of a compiled step, and hands out noise that the caller generated
// host-side (dropout masks, reparameterized samples), consumed sequentially.
import { Tensor, Rng, type DType, reshape, sliceAxis } from "../engine/index.js";
import { allocate, sizeOf } from "../engine/dtype.js";
import { fmtShape } from "../engine/errors.js";
import { isBufferField, mapTensors, type Module } from "./module.js";

/** Noise tensors a forward draws from: any shape, read as flat sequences. */
export interface Noise {
  uniform?: Tensor;
  normal?: Tensor;
}

/** How many noise values a forward consumed (or, under Context.measure, needs). */
export interface NoiseCount {
  uniform: number;
  normal: number;
}

type Kind = keyof NoiseCount;

/**
 * The tensor a value came from: valueAndGrad stands fresh tensors in for its arguments, each
 * an identity (same-shape reshape) of the original, so updates keyed by a stand-in still find
 * the original tensor.
 */
function origin(t: Tensor): Tensor {
  let cur = t;
  while (cur.creator && cur.creator.prim === "reshape" && cur.creator.inputs.length === 1) {
    const src = cur.creator.inputs[0];
    if (src.shape.length !== cur.shape.length || src.shape.some((d, i) => d !== cur.shape[i])) break;
    cur = src;
  }
  return cur;
}

export class Context {
  /** Training mode: batch statistics, dropout, power iterations, buffer updates. */
  readonly train: boolean;
  /**
   * Running statistics as the plain average over the batches seen since numBatchesTracked was 0,
   * whatever a layer's momentum (PyTorch's update_bn): how standing statistics are recomputed.
   */
  readonly cumulativeStatistics: boolean;
  private readonly noise: Noise;
  private readonly measuring: boolean;
  private readonly measureDtype: DType;
  private readonly offsets: NoiseCount = { uniform: 0, normal: 0 };
  private readonly updates = new Map<Tensor, Tensor>();

  private constructor(train: boolean, noise: Noise, measuring: boolean, measureDtype: DType, cumulativeStatistics = false) {
    this.train = train;
    this.cumulativeStatistics = cumulativeStatistics;
    this.noise = noise;
    this.measuring = measuring;
    this.measureDtype = measureDtype;
  }

  /** Training mode, drawing noise from the given tensors. */
  static train(noise: Noise = {}, opts: { cumulativeStatistics?: boolean } = {}): Context {
    return new Context(true, noise, false, "float32", opts.cumulativeStatistics ?? false);
  }
  /** Evaluation mode: running statistics, no dropout, no buffer updates. */
  static eval(noise: Noise = {}): Context {
    return new Context(false, noise, false, "float32");
  }
  /**
   * Records how much noise a forward needs (read `used` afterwards) without real noise: noise
   * requests return constant placeholders (uniform 0.5, normal 0), so outputs are not meaningful.
   */
  static measure(opts: { train?: boolean; dtype?: DType } = {}): Context {
    return new Context(opts.train ?? true, {}, true, opts.dtype ?? "float32");
  }

  /** Noise values consumed so far. */
  get used(): NoiseCount {
    return { ...this.offsets };
  }

  /** Uniform [0, 1) noise of this shape: the next values of the supplied uniform tensor. */
  uniform(shape: readonly number[]): Tensor {
    return this.draw("uniform", shape);
  }
  /** Standard normal noise of this shape: the next values of the supplied normal tensor. */
  normal(shape: readonly number[]): Tensor {
    return this.draw("normal", shape);
  }

  private draw(kind: Kind, shape: readonly number[]): Tensor {
    const n = sizeOf(shape);
    const at = this.offsets[kind];
    this.offsets[kind] += n;
    if (this.measuring) {
      const data = allocate(this.measureDtype, n).fill(kind === "uniform" ? 0.5 : 0);
      return new Tensor(shape, this.measureDtype, data);
    }
    const src = this.noise[kind];
    const have = src?.size ?? 0;
    if (!src || at + n > have) {
      throw new Error(
        `Context.${kind}(${fmtShape(shape)}): the forward needs at least ${at + n} ${kind} noise values but ${have} were supplied; ` +
          `run the forward under Context.measure() and read ctx.used to size the noise (Context.sampleNoise draws it)`,
      );
    }
    const flat = src.rank === 1 ? src : reshape(src, [have]);
    return reshape(sliceAxis(flat, 0, at, at + n), shape);
  }

  /** Host-side noise for a forward that needs `count` values, from a seeded generator. */
  static sampleNoise(rng: Rng, count: Partial<NoiseCount>, dtype: DType = "float32"): Noise {
    if (dtype !== "float32" && dtype !== "float64") throw new Error(`Context.sampleNoise: dtype must be float32 or float64, got ${dtype}`);
    const noise: Noise = {};
    if (count.uniform) noise.uniform = new Tensor([count.uniform], dtype, rng.fillUniform(allocate(dtype, count.uniform) as Float32Array | Float64Array));
    if (count.normal) noise.normal = new Tensor([count.normal], dtype, rng.fillNormal(allocate(dtype, count.normal) as Float32Array | Float64Array));
    return noise;
  }

  /** The current value of a buffer: its pending update if the forward already set one, else the field. */
  buffer(module: Module, field: string): Tensor {
    const cur = this.field(module, field);
    return this.updates.get(origin(cur)) ?? cur;
  }

  /** Record a new value for a buffer; applyUpdates puts it into a model. */
  setBuffer(module: Module, field: string, value: Tensor): void {
    const cur = this.field(module, field);
    if (value.dtype !== cur.dtype || value.shape.length !== cur.shape.length || value.shape.some((d, i) => d !== cur.shape[i])) {
      throw new Error(`Context.setBuffer: ${module.constructor.name}.${field} is ${cur.describe()} but the new value is ${value.describe()}`);
    }
    this.updates.set(origin(cur), value);
  }

  private field(module: Module, field: string): Tensor {
    if (!isBufferField(module, field)) throw new Error(`Context: ${module.constructor.name}.${field} is not a buffer (declare it in static buffers)`);
    const cur = (module as unknown as Record<string, unknown>)[field];
    if (!(cur instanceof Tensor)) throw new Error(`Context: ${module.constructor.name}.${field} holds no tensor`);
    return cur;
  }

  /** Whether the forward recorded any buffer update. */
  get hasUpdates(): boolean {
    return this.updates.size > 0;
  }

  /**
   * A copy of `tree` (the model the forward ran on, or its buffers tree from partition) with
   * the recorded buffer updates in place. Every update must find its buffer in the tree.
   */
  applyUpdates<T>(tree: T): T {
    const applied = new Set<Tensor>();
    const out = mapTensors(tree, (t) => {
      const key = origin(t);
      const next = this.updates.get(key);
      if (!next) return t;
      applied.add(key);
      return next;
    });
    if (applied.size !== this.updates.size) {
      throw new Error(
        `Context.applyUpdates: ${this.updates.size - applied.size} of ${this.updates.size} buffer updates match no tensor in this tree; ` +
          `pass the model (or its buffers tree) that the forward ran on`,
      );
    }
    return out;
  }
}
