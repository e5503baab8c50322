// The host-side tensor that parameter files hold: a dtype, a shape and a flat row-major typed array.

export type TensorDtype = "float32" | "float64" | "int32" | "int64" | "uint8" | "bool";

export type TensorData = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;

export interface NamedTensor {
  dtype: TensorDtype;
  shape: number[];
  /** Row-major elements; `bool` tensors hold 0/1 in a Uint8Array. */
  data: TensorData;
}

/** The typed array that carries each dtype. */
export const DATA_CLASS: Record<TensorDtype, { new (length: number): TensorData; name: string }> = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  int64: BigInt64Array,
  uint8: Uint8Array,
  bool: Uint8Array,
};

/** "[2,3]"; "[]" for a scalar. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(",")}]`;
}

export function isValidShape(shape: unknown): shape is number[] {
  return Array.isArray(shape) && shape.every((d) => Number.isSafeInteger(d) && d >= 0);
}

/** Number of elements, as a BigInt so absurd shapes cannot silently lose precision. */
export function elementCount(shape: readonly number[]): bigint {
  let n = 1n;
  for (const d of shape) n *= BigInt(d);
  return n;
}
