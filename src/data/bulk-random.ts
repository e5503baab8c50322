// Bulk random words for per-pixel noise: one host-Rng draw seeds a local xoshiro128** stream kept in registers,
// which is ~10× faster than drawing every pixel from the host Rng and still fully determined by its state.
import type { Rng } from "../engine/random.js";

/** Fills `out` with uniform 32-bit words from a stream seeded by four words of `rng` (advancing it by exactly 4 draws). */
export function fillRandomUint32(rng: Rng, out: Uint32Array): Uint32Array {
  let s0 = rng.nextUint32() | 0, s1 = rng.nextUint32() | 0, s2 = rng.nextUint32() | 0, s3 = rng.nextUint32() | 0;
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1;
  for (let i = 0; i < out.length; i++) {
    const m = Math.imul(s1, 5);
    const r = (m << 7) | (m >>> 25);
    out[i] = Math.imul(r, 9);
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);
  }
  return out;
}

/** A reusable scratch buffer of at least n words. */
export class Scratch {
  private buf = new Uint32Array(0);
  get(n: number): Uint32Array {
    if (this.buf.length < n) this.buf = new Uint32Array(n);
    return this.buf.length === n ? this.buf : this.buf.subarray(0, n);
  }
}
