// Collects ONNX nodes and constant tensors while a graph is lowered (plain objects;
// onnx.ts turns them into ModelProto bytes).
import type { DType, TypedArray } from "./dtype.js";

export type AttrValue = number | number[] | string | { tensor: OnnxConstant };

export interface OnnxNode {
  opType: string;
  inputs: string[];
  outputs: string[];
  attrs: Record<string, AttrValue>;
  /** Integer-valued attributes (ONNX distinguishes INT from FLOAT). */
  intAttrs: Set<string>;
  /** Operator set domain; absent for the default ONNX domain. */
  domain?: string;
}

export interface OnnxConstant {
  name: string;
  dtype: DType | "int64";
  shape: number[];
  data: TypedArray | BigInt64Array;
}

export class OnnxBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly constants: OnnxConstant[] = [];
  private counter = 0;
  private int64Cache = new Map<string, string>();
  private scalarCache = new Map<string, string>();

  fresh(hint = "t"): string {
    return `${hint}_${this.counter++}`;
  }

  /** Append one node; ints lists the attribute names that are integers. Returns its output names. */
  op(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, opts: { outputs?: number; ints?: string[]; domain?: string } = {}): string[] {
    const outputs = Array.from({ length: opts.outputs ?? 1 }, () => this.fresh(opType.toLowerCase()));
    this.nodes.push({ opType, inputs, outputs, attrs, intAttrs: new Set(opts.ints ?? []), ...(opts.domain ? { domain: opts.domain } : {}) });
    return outputs;
  }

  /** Single-output shorthand. */
  op1(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, ints: string[] = [], domain?: string): string {
    return this.op(opType, inputs, attrs, { ints, domain })[0];
  }

  constant(data: TypedArray | BigInt64Array, shape: number[], dtype: DType | "int64", hint = "c"): string {
    const name = this.fresh(hint);
    this.constants.push({ name, dtype, shape, data });
    return name;
  }

  /** A 1-D int64 constant (shapes, axes, pads), shared between nodes. */
  int64(values: readonly number[]): string {
    const key = values.join(",");
    let name = this.int64Cache.get(key);
    if (!name) {
      name = this.constant(BigInt64Array.from(values.map((v) => BigInt(v))), [values.length], "int64", "i64");
      this.int64Cache.set(key, name);
    }
    return name;
  }

  /** A rank-0 constant of the given dtype, shared between nodes. */
  scalar(value: number, dtype: DType): string {
    const key = `${dtype}:${Object.is(value, -0) ? "-0" : value}`;
    let name = this.scalarCache.get(key);
    if (!name) {
      const data = dtype === "float64" ? new Float64Array([value]) : dtype === "int32" ? new Int32Array([value]) : dtype === "bool" ? new Uint8Array([value]) : new Float32Array([value]);
      name = this.constant(data, [], dtype, "s");
      this.scalarCache.set(key, name);
    }
    return name;
  }
}
