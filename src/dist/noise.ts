// Where a distribution's randomness comes from. Noise is host-generated and seeded (DESIGN.md §1.5):
// inside a compiled step it is an input the runner fills, so this is the slice of a step context
// (nn's Context, models' StepContext) that sampling needs.
import type { Tensor } from "../engine/index.js";

export interface NoiseSource {
  /** N(0,1) noise of this shape. */
  normal(shape: readonly number[]): Tensor;
  /** U[0,1) noise of this shape. */
  uniform(shape: readonly number[]): Tensor;
}

/** Distributions over a tensor of independent elements: every method is elementwise (no event reduction). */
export interface Distribution {
  /** Shape of one draw. */
  readonly shape: readonly number[];
  /** log p(x), elementwise (sum over the axes that form an event yourself). */
  logProb(x: Tensor): Tensor;
  /** A draw; differentiable in the parameters where `reparameterized` is true. */
  sample(noise: NoiseSource): Tensor;
  /** Entropy, elementwise. */
  entropy(): Tensor;
  /** The mean (for a categorical: the expected category index). */
  mean(): Tensor;
  readonly reparameterized: boolean;
}
