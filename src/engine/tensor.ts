// Tensor: either concrete (holds data; ops on it run eagerly in the reference interpreter)
// or symbolic (shape and dtype only, recorded while a function is traced for compile).
// Every tensor made by an op remembers its creator, which is all autodiff needs.
import { allocate, dtypeOf, sizeOf, type DType, type TypedArray } from "./dtype.js";
import type { Prim, PrimAttrs } from "./primitive.js";
import * as ops from "./ops.js";

let nextId = 0;

export interface Creator {
  prim: Prim;
  inputs: Tensor[];
  attrs: PrimAttrs[Prim];
}

export class Tensor {
  readonly id = nextId++;
  readonly shape: readonly number[];
  readonly dtype: DType;
  /** The values, row-major; null while tracing. */
  readonly data: TypedArray | null;
  /** The primitive application that made this tensor (null for inputs and constants). */
  readonly creator: Creator | null;
  /** Set on the placeholders compile() feeds a traced function: the flat input position. */
  readonly inputIndex: number | null;

  constructor(shape: readonly number[], dtype: DType, data: TypedArray | null, creator: Creator | null = null, inputIndex: number | null = null) {
    this.shape = Object.freeze([...shape]);
    this.dtype = dtype;
    this.data = data;
    this.creator = creator;
    this.inputIndex = inputIndex;
    if (data && data.length !== sizeOf(shape)) {
      throw new Error(`Tensor: data has ${data.length} elements but shape [${shape.join(", ")}] needs ${sizeOf(shape)}`);
    }
  }

  get rank(): number {
    return this.shape.length;
  }
  get size(): number {
    return sizeOf(this.shape);
  }
  get isSymbolic(): boolean {
    return this.data === null;
  }

  /** The values (throws while tracing, where there are none yet). */
  values(): TypedArray {
    if (!this.data) throw new Error(`Tensor ${this.describe()} is symbolic (inside a traced function): it has no values yet`);
    return this.data;
  }
  /** The single value of a one-element tensor. */
  item(): number {
    const v = this.values();
    if (v.length !== 1) throw new Error(`item(): tensor has shape [${this.shape.join(", ")}], not a single element`);
    return v[0];
  }
  toArray(): number[] {
    return Array.from(this.values());
  }
  describe(): string {
    return `${this.dtype}[${this.shape.join(", ")}]`;
  }
  toString(): string {
    return this.data ? `Tensor(${this.describe()}, ${Array.from(this.data.slice(0, 8)).join(", ")}${this.data.length > 8 ? ", …" : ""})` : `Tensor(${this.describe()}, symbolic)`;
  }

  add(o: Tensor | number): Tensor { return ops.add(this, o); }
  sub(o: Tensor | number): Tensor { return ops.sub(this, o); }
  mul(o: Tensor | number): Tensor { return ops.mul(this, o); }
  div(o: Tensor | number): Tensor { return ops.div(this, o); }
  pow(o: Tensor | number): Tensor { return ops.pow(this, o); }
  neg(): Tensor { return ops.neg(this); }
  square(): Tensor { return ops.square(this); }
  exp(): Tensor { return ops.exp(this); }
  log(): Tensor { return ops.log(this); }
  sqrt(): Tensor { return ops.sqrt(this); }
  abs(): Tensor { return ops.abs(this); }
  tanh(): Tensor { return ops.tanh(this); }
  sigmoid(): Tensor { return ops.sigmoid(this); }
  relu(): Tensor { return ops.relu(this); }
  sum(axes?: number | number[], keepdims = false): Tensor { return ops.sum(this, axes, keepdims); }
  mean(axes?: number | number[], keepdims = false): Tensor { return ops.mean(this, axes, keepdims); }
  max(axes?: number | number[], keepdims = false): Tensor { return ops.max(this, axes, keepdims); }
  matmul(o: Tensor): Tensor { return ops.matmul(this, o); }
  reshape(shape: readonly number[]): Tensor { return ops.reshape(this, shape); }
  transpose(perm?: number[]): Tensor { return ops.transpose(this, perm); }
  cast(dtype: DType): Tensor { return ops.cast(this, dtype); }
}

/** A concrete tensor from values. */
export function tensor(values: TypedArray | readonly number[] | number, shape?: readonly number[], dtype?: DType): Tensor {
  if (typeof values === "number") return new Tensor(shape ?? [], dtype ?? "float32", fill(allocate(dtype ?? "float32", sizeOf(shape ?? [])), values));
  if (Array.isArray(values) || !(ArrayBuffer.isView(values))) {
    const dt = dtype ?? "float32";
    const data = allocate(dt, (values as readonly number[]).length);
    (values as readonly number[]).forEach((v, i) => (data[i] = v));
    return new Tensor(shape ?? [data.length], dt, data);
  }
  const data = values as TypedArray;
  const dt = dtype ?? dtypeOf(data);
  const converted = dtypeOf(data) === dt ? data : allocate(dt, data.length).map((_, i) => data[i]);
  return new Tensor(shape ?? [data.length], dt, converted as TypedArray);
}

function fill(a: TypedArray, v: number): TypedArray {
  a.fill(v);
  return a;
}

export function zeros(shape: readonly number[], dtype: DType = "float32"): Tensor {
  return new Tensor(shape, dtype, allocate(dtype, sizeOf(shape)));
}
export function ones(shape: readonly number[], dtype: DType = "float32"): Tensor {
  return tensor(1, shape, dtype);
}
export function full(shape: readonly number[], value: number, dtype: DType = "float32"): Tensor {
  return tensor(value, shape, dtype);
}
/** 0, 1, …, n−1. */
export function arange(n: number, dtype: DType = "int32"): Tensor {
  const a = allocate(dtype, n);
  for (let i = 0; i < n; i++) a[i] = i;
  return new Tensor([n], dtype, a);
}
export function scalar(value: number, dtype: DType = "float32"): Tensor {
  return tensor(value, [], dtype);
}
