// Noise as concrete tensors drawn from a seeded Rng: for eager (uncompiled) evaluation and tests,
// where the arrays a compiled step would receive as inputs are made on the spot.
import * as E from "../engine/index.js";
import type { Rng, Tensor } from "../engine/index.js";
import type { NoiseSource } from "./noise.js";

export class HostNoise implements NoiseSource {
  constructor(readonly rng: Rng, readonly dtype: "float32" | "float64" = "float32") {}

  normal(shape: readonly number[]): Tensor {
    return E.tensor(this.rng.fillNormal(this.alloc(shape)), shape, this.dtype);
  }
  uniform(shape: readonly number[]): Tensor {
    return E.tensor(this.rng.fillUniform(this.alloc(shape)), shape, this.dtype);
  }
  private alloc(shape: readonly number[]): Float32Array | Float64Array {
    const n = shape.reduce((a, b) => a * b, 1);
    return this.dtype === "float64" ? new Float64Array(n) : new Float32Array(n);
  }
}
