// In-memory sources: examples held as one flat array (Uint8 pixels converted per batch, or float32 as-is).
import { DataError } from "./errors.js";
import { exampleSize, type DataSource, type SyncDataSource } from "./types.js";

export interface ArraySourceOptions {
  name?: string;
  labels?: Int32Array | Uint8Array;
  numClasses?: number;
  classNames?: readonly string[];
}

/**
 * A dataset held in memory. Uint8Array data is stored as bytes (4× less memory than float32) and
 * scaled by 1/255 into [0,1] for each batch; Float32Array data is copied as-is.
 */
export class ArraySource implements SyncDataSource {
  readonly name: string;
  readonly n: number;
  readonly exampleShape: readonly number[];
  readonly numClasses?: number;
  readonly classNames?: readonly string[];
  private readonly data: Uint8Array | Float32Array;
  private readonly labelData?: Int32Array | Uint8Array;
  private readonly d: number;

  constructor(data: Uint8Array | Float32Array, exampleShape: readonly number[], options: ArraySourceOptions = {}) {
    this.name = options.name ?? "array";
    this.exampleShape = Object.freeze([...exampleShape]);
    this.d = exampleSize(exampleShape);
    if (this.d <= 0 || data.length % this.d !== 0) {
      throw new DataError(
        `${this.name}: data length ${data.length} is not a multiple of the example size ${this.d} (shape [${exampleShape.join(", ")}])`,
      );
    }
    this.n = data.length / this.d;
    this.data = data;
    if (options.labels) {
      if (options.labels.length !== this.n) {
        throw new DataError(`${this.name}: ${options.labels.length} labels for ${this.n} examples; give one label per example`);
      }
      this.labelData = options.labels;
      let max = -1;
      for (let i = 0; i < options.labels.length; i++) if (options.labels[i] > max) max = options.labels[i];
      this.numClasses = options.numClasses ?? (options.classNames ? options.classNames.length : max + 1);
      if (options.classNames) this.classNames = Object.freeze([...options.classNames]);
    }
  }

  get hasLabels(): boolean {
    return this.labelData !== undefined;
  }

  read(indices: Int32Array, out: Float32Array, labels?: Int32Array): void {
    const d = this.d;
    const n = this.n;
    for (let b = 0; b < indices.length; b++) {
      const i = indices[b];
      if (!(i >= 0 && i < n)) throw new DataError(`${this.name}: index ${i} out of range [0, ${n})`);
    }
    if (this.data instanceof Float32Array) {
      const src = this.data;
      for (let b = 0; b < indices.length; b++) out.set(src.subarray(indices[b] * d, indices[b] * d + d), b * d);
    } else {
      bytesToUnit(this.data, indices, d, out);
    }
    if (labels && this.labelData) {
      const l = this.labelData;
      for (let b = 0; b < indices.length; b++) labels[b] = l[indices[b]];
    }
  }
}

/** A view of some examples of another source, by index (used by the train/validation split). */
export class SubsetSource implements DataSource {
  readonly name: string;
  readonly n: number;
  readonly exampleShape: readonly number[];
  readonly numClasses?: number;
  readonly classNames?: readonly string[];
  readonly parent: DataSource;
  readonly indices: Int32Array;

  constructor(parent: DataSource, indices: Int32Array, name?: string) {
    this.parent = parent;
    this.indices = indices;
    this.n = indices.length;
    this.name = name ?? `${parent.name}[subset of ${indices.length}]`;
    this.exampleShape = parent.exampleShape;
    if (parent.numClasses !== undefined) this.numClasses = parent.numClasses;
    if (parent.classNames !== undefined) this.classNames = parent.classNames;
    for (let k = 0; k < indices.length; k++) {
      if (!(indices[k] >= 0 && indices[k] < parent.n)) {
        throw new DataError(`${this.name}: subset index ${indices[k]} out of range [0, ${parent.n})`);
      }
    }
  }

  /** Synchronous when the parent is; forwards the parent's promise when it streams. */
  read(indices: Int32Array, out: Float32Array, labels?: Int32Array): void | Promise<void> {
    const mapped = new Int32Array(indices.length);
    for (let b = 0; b < indices.length; b++) {
      const i = indices[b];
      if (!(i >= 0 && i < this.n)) throw new DataError(`${this.name}: index ${i} out of range [0, ${this.n})`);
      mapped[b] = this.indices[i];
    }
    return this.parent.read(mapped, out, labels);
  }
}

/** Gathers the given examples of byte data into out as floats in [0,1] (a monomorphic hot loop). */
function bytesToUnit(src: Uint8Array, indices: Int32Array, d: number, out: Float32Array): void {
  const inv = 1 / 255;
  for (let b = 0; b < indices.length; b++) {
    const off = indices[b] * d;
    const o = b * d;
    for (let k = 0; k < d; k++) out[o + k] = src[off + k] * inv;
  }
}
