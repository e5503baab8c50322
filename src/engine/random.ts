// Seeded host-side randomness: xoshiro128** (Blackman & Vigna), state saveable and restorable.
// Every noise input of a compiled graph (z, ε, dropout masks, Langevin noise) comes from here,
// so a run is reproducible on every backend and resumable from a checkpoint.

export type RngState = [number, number, number, number];

/** splitmix32 expands one 32-bit seed into well-mixed state words. */
function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export class Rng {
  private s: Uint32Array;
  private spareNormal: number | null = null;

  constructor(seed: number | RngState = 0) {
    this.s = new Uint32Array(4);
    if (typeof seed === "number") {
      if (!Number.isFinite(seed)) throw new Error(`Rng: seed must be a finite number, got ${seed}`);
      const next = splitmix32(Math.floor(seed) ^ Math.floor(seed / 2 ** 32));
      for (let i = 0; i < 4; i++) this.s[i] = next();
    } else {
      this.s.set(seed);
    }
    if (this.s.every((w) => w === 0)) this.s[0] = 1;
  }

  /** The full generator state, for checkpoints. */
  getState(): { s: RngState; spare: number | null } {
    return { s: [this.s[0], this.s[1], this.s[2], this.s[3]], spare: this.spareNormal };
  }

  setState(state: { s: RngState; spare: number | null }): void {
    this.s.set(state.s);
    this.spareNormal = state.spare;
  }

  /** An independent generator derived from this one (advances this one by one draw). */
  fork(): Rng {
    return new Rng(this.nextUint32() + this.nextUint32() * 2 ** 21);
  }

  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Standard normal (Marsaglia polar method, caching the spare). */
  normal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    let u: number, v: number, q: number;
    do {
      u = 2 * this.uniform() - 1;
      v = 2 * this.uniform() - 1;
      q = u * u + v * v;
    } while (q >= 1 || q === 0);
    const f = Math.sqrt((-2 * Math.log(q)) / q);
    this.spareNormal = v * f;
    return u * f;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** out[i] = mean + std·normal(), the same values as calling normal() in turn (the generator state in locals: ~4× faster). */
  fillNormal<T extends Float32Array | Float64Array>(out: T, mean = 0, std = 1): T {
    const n = out.length;
    let i = 0;
    if (n > 0 && this.spareNormal !== null) {
      out[i++] = mean + std * this.spareNormal;
      this.spareNormal = null;
    }
    const st = this.s;
    let s0 = st[0], s1 = st[1], s2 = st[2], s3 = st[3];
    while (i < n) {
      let u: number, v: number, q: number;
      do {
        // four steps of xoshiro128** (nextUint32, inlined on locals) make two 53-bit uniforms (uniform())
        let w = Math.imul(s1, 5);
        const r0 = Math.imul((w << 7) | (w >>> 25), 9) >>> 0;
        let t = s1 << 9;
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = (s3 << 11) | (s3 >>> 21);
        w = Math.imul(s1, 5);
        const r1 = Math.imul((w << 7) | (w >>> 25), 9) >>> 0;
        t = s1 << 9;
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = (s3 << 11) | (s3 >>> 21);
        w = Math.imul(s1, 5);
        const r2 = Math.imul((w << 7) | (w >>> 25), 9) >>> 0;
        t = s1 << 9;
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = (s3 << 11) | (s3 >>> 21);
        w = Math.imul(s1, 5);
        const r3 = Math.imul((w << 7) | (w >>> 25), 9) >>> 0;
        t = s1 << 9;
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = (s3 << 11) | (s3 >>> 21);
        u = 2 * (((r0 >>> 5) * 67108864 + (r1 >>> 6)) / 9007199254740992) - 1;
        v = 2 * (((r2 >>> 5) * 67108864 + (r3 >>> 6)) / 9007199254740992) - 1;
        q = u * u + v * v;
      } while (q >= 1 || q === 0);
      const f = Math.sqrt((-2 * Math.log(q)) / q);
      out[i++] = mean + std * (u * f);
      if (i < n) out[i++] = mean + std * (v * f);
      else this.spareNormal = v * f;
    }
    st[0] = s0;
    st[1] = s1;
    st[2] = s2;
    st[3] = s3;
    return out;
  }

  /** out[i] = lo + (hi − lo)·uniform(), the same values as calling uniform() in turn (state in locals). */
  fillUniform<T extends Float32Array | Float64Array>(out: T, lo = 0, hi = 1): T {
    const st = this.s;
    let s0 = st[0], s1 = st[1], s2 = st[2], s3 = st[3];
    for (let i = 0; i < out.length; i++) {
      let w = Math.imul(s1, 5);
      const r0 = Math.imul((w << 7) | (w >>> 25), 9) >>> 0;
      let t = s1 << 9;
      s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = (s3 << 11) | (s3 >>> 21);
      w = Math.imul(s1, 5);
      const r1 = Math.imul((w << 7) | (w >>> 25), 9) >>> 0;
      t = s1 << 9;
      s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = (s3 << 11) | (s3 >>> 21);
      out[i] = lo + (hi - lo) * (((r0 >>> 5) * 67108864 + (r1 >>> 6)) / 9007199254740992);
    }
    st[0] = s0;
    st[1] = s1;
    st[2] = s2;
    st[3] = s3;
    return out;
  }

  /** A uniformly random permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
