// Bulk random words for per-pixel noise: one host-Rng draw seeds a local xoshiro128** stream kept in registers,
// which is ~10× faster than drawing every pixel from the host Rng and still fully determined by its state.
import { xoshiroFill, type Rng } from "../engine/random.js";

/** Fills `out` with uniform 32-bit words from a stream seeded by four words of `rng` (advancing it by exactly 4 draws). */
export function fillRandomUint32(rng: Rng, out: Uint32Array): Uint32Array {
  const state = Uint32Array.of(rng.nextUint32(), rng.nextUint32(), rng.nextUint32(), rng.nextUint32());
  if (state.every((w) => w === 0)) state[0] = 1;
  return xoshiroFill(state, out);
}

/** A reusable scratch buffer of at least n words. */
export class Scratch {
  private buf = new Uint32Array(0);
  get(n: number): Uint32Array {
    if (this.buf.length < n) this.buf = new Uint32Array(n);
    return this.buf.length === n ? this.buf : this.buf.subarray(0, n);
  }
}
