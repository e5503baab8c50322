// safetensors dtype codes: their byte sizes, how Eikon's dtypes map onto them, and the half-precision widening.
import type { TensorDtype } from "./tensor.js";

/** Every dtype code the safetensors format defines, with its element size in bytes. */
export const SAFETENSORS_DTYPE_SIZE: Readonly<Record<string, number>> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
};

export const TO_SAFETENSORS: Record<TensorDtype, string> = {
  float32: "F32",
  float64: "F64",
  int32: "I32",
  int64: "I64",
  uint8: "U8",
  bool: "BOOL",
};

/** Codes Eikon reads; F16 and BF16 are widened to float32 (exactly: every half value is a float32 value). */
export const FROM_SAFETENSORS: Readonly<Record<string, TensorDtype>> = {
  F32: "float32",
  F64: "float64",
  I32: "int32",
  I64: "int64",
  U8: "uint8",
  BOOL: "bool",
  F16: "float32",
  BF16: "float32",
};

/**
 * Order in which the reference implementation lays tensors out: larger dtypes first (its Dtype enum order,
 * descending), so every tensor starts at a multiple of its element size.
 */
export const LAYOUT_RANK: Record<TensorDtype, number> = {
  int64: 5,
  float64: 4,
  float32: 3,
  int32: 2,
  uint8: 1,
  bool: 0,
};

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE binary16 bits → number. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24; // zero or subnormal
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** bfloat16 bits → number: they are the top half of a float32. */
export function bfloat16ToFloat(h: number): number {
  u32[0] = h << 16;
  return f32[0]!;
}
