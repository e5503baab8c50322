// Batch normalization (Ioffe & Szegedy, 2015) with PyTorch's semantics: in training the batch
// is normalized with its biased variance, and the running statistics move with momentum 0.1
// toward the batch mean and the UNBIASED batch variance (momentum null: a cumulative average);
// in evaluation the running statistics normalize. Built from primitives (ONNX's
// BatchNormalization keeps a biased running variance). Running statistics are buffers, updated
// through the Context, so a compiled step updates them in-graph.
import { Tensor, add, div, mean, mul, reshape, sqrt, stopGradient, sub, variance, type DType } from "../engine/index.js";
import { allocate } from "../engine/dtype.js";
import type { Context } from "./context.js";
import { Module } from "./module.js";

export interface BatchNormOptions {
  eps?: number;
  /** Weight of the newest batch in the running statistics (default 0.1); null: cumulative average. */
  momentum?: number | null;
  /** Learnable per-channel scale and shift (default true). */
  affine?: boolean;
  /** Keep running statistics for evaluation (default true); false: always batch statistics. */
  trackRunningStats?: boolean;
  dtype?: DType;
}

const filled = (n: number, v: number, dtype: DType, shape: number[] = [n]) => new Tensor(shape, dtype, allocate(dtype, n).fill(v));

export abstract class BatchNorm extends Module {
  static override buffers = ["runningMean", "runningVar", "numBatchesTracked"];
  static override stateDictNames = { runningMean: "running_mean", runningVar: "running_var", numBatchesTracked: "num_batches_tracked" };

  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly runningMean: Tensor | null;
  readonly runningVar: Tensor | null;
  /** Counted in the module's float dtype so all buffers pack together (PyTorch keeps an int64). */
  readonly numBatchesTracked: Tensor | null;
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number | null;

  constructor(numFeatures: number, opts: BatchNormOptions = {}) {
    super();
    const dtype = opts.dtype ?? "float32";
    const affine = opts.affine ?? true;
    const track = opts.trackRunningStats ?? true;
    this.weight = affine ? filled(numFeatures, 1, dtype) : null;
    this.bias = affine ? filled(numFeatures, 0, dtype) : null;
    this.runningMean = track ? filled(numFeatures, 0, dtype) : null;
    this.runningVar = track ? filled(numFeatures, 1, dtype) : null;
    this.numBatchesTracked = track ? filled(1, 0, dtype, []) : null;
    this.numFeatures = numFeatures;
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum === undefined ? 0.1 : opts.momentum;
  }

  /** Ranks of input this layer accepts. */
  protected abstract ranks(): readonly number[];

  forward(x: Tensor, ctx: Context): Tensor {
    const name = this.constructor.name;
    if (!this.ranks().includes(x.rank)) throw new Error(`${name}: expected input of rank ${this.ranks().join(" or ")}, got ${x.describe()}`);
    if (x.shape[1] !== this.numFeatures) throw new Error(`${name}: expected ${this.numFeatures} channels (dimension 1), got ${x.describe()}`);
    const axes = x.shape.map((_, i) => i).filter((i) => i !== 1);
    const bshape = x.shape.map((d, i) => (i === 1 ? d : 1));
    const useBatch = ctx.train || this.runningMean === null;
    let mu: Tensor, v: Tensor;
    if (useBatch) {
      const count = axes.reduce((n, a) => n * x.shape[a], 1);
      if (ctx.train && count <= 1) throw new Error(`${name}: expected more than 1 value per channel when training, got input ${x.describe()}`);
      mu = mean(x, axes, true);
      v = variance(x, axes, true);
      if (ctx.train && this.runningMean) this.updateRunning(ctx, reshape(mu, [this.numFeatures]), reshape(v, [this.numFeatures]), count);
    } else {
      mu = reshape(this.runningMean!, bshape);
      v = reshape(this.runningVar!, bshape);
    }
    let y = div(sub(x, mu), sqrt(add(v, this.eps)));
    if (this.weight) y = mul(y, reshape(this.weight, bshape));
    if (this.bias) y = add(y, reshape(this.bias, bshape));
    return y;
  }

  private updateRunning(ctx: Context, batchMean: Tensor, batchVar: Tensor, count: number): void {
    const rm = ctx.buffer(this, "runningMean");
    const rv = ctx.buffer(this, "runningVar");
    const nbt = add(ctx.buffer(this, "numBatchesTracked"), 1);
    // the running statistics carry no gradient
    const m = stopGradient(batchMean);
    const unbiased = mul(stopGradient(batchVar), count / (count - 1));
    // momentum null (or a cumulative-statistics context): the plain average, weight 1/(batches seen) for the newest batch
    const momentum = ctx.cumulativeStatistics ? null : this.momentum;
    const f: Tensor | number = momentum ?? div(1, stopGradient(nbt));
    const blend = (old: Tensor, stat: Tensor) => add(mul(old, typeof f === "number" ? 1 - f : sub(1, f)), mul(stat, f));
    ctx.setBuffer(this, "runningMean", blend(rm, m));
    ctx.setBuffer(this, "runningVar", blend(rv, unbiased));
    ctx.setBuffer(this, "numBatchesTracked", nbt);
  }
}

/** Batch norm over [N, C] or [N, C, L] inputs (statistics per channel C). */
export class BatchNorm1d extends BatchNorm {
  protected ranks(): readonly number[] {
    return [2, 3];
  }
}

/** Batch norm over [N, C, H, W] inputs (statistics per channel C). */
export class BatchNorm2d extends BatchNorm {
  protected ranks(): readonly number[] {
    return [4];
  }
}
