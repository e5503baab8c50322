// Toy 2-D distributions (the usual GAN / normalizing-flow benchmarks), with exact log-densities where one exists.
//
// Configurations (no extra scaling beyond what is stated):
//   8gaussians   8 equal-weight isotropic Gaussians, centres on the circle of radius 2, std 0.02 (unrolled-GAN / VEEGAN setup).
//   25gaussians  25 equal-weight isotropic Gaussians, centres on the grid {-4,-2,0,2,4}², std 0.05 (VEEGAN / PacGAN setup).
//   swissroll    sklearn make_swiss_roll(noise=1) projected to (x, z) and divided by 5 (FFJORD); no closed-form density.
//   moons        sklearn make_moons(noise=0.1), scaled ×2 and shifted by (-1, -0.2) (FFJORD); no closed-form density.
//   rings        4 equal-weight rings of radii 3, 2.25, 1.5, 0.75 (FFJORD's), uniform angle, isotropic noise std 0.08; exact density.
//   checkerboard uniform on the 8 dark 2×2 squares of an 8×8 board in [-4,4]² (FFJORD); exact density 1/32 on the support.
//   pinwheel     5 arms, radial std 0.3, tangential std 0.1, rate 0.25, scaled ×2 (FFJORD); no closed-form density.
//   2spirals     two interleaved spirals with noise std 0.1 (FFJORD); no closed-form density.
import { Rng } from "../engine/random.js";
import { DataError } from "./errors.js";
import { ArraySource } from "./memory.js";

export const TOY_NAMES = ["8gaussians", "25gaussians", "swissroll", "moons", "rings", "checkerboard", "pinwheel", "2spirals"] as const;
export type ToyName = (typeof TOY_NAMES)[number];

export interface ToySample {
  /** n×2 points, row-major. */
  x: Float32Array;
  /** Mixture component / arm / moon of each point, where the distribution has one. */
  labels?: Int32Array;
}

export interface ToyDistribution {
  readonly name: ToyName;
  readonly description: string;
  /** Draws n i.i.d. points. */
  sample(n: number, rng: Rng): ToySample;
  /**
   * Exact log-density of each point ((x,y) pairs, row-major), where the distribution has one in closed form;
   * undefined otherwise (see densityNote).
   */
  readonly logProb?: (points: ArrayLike<number>) => Float64Array;
  /** How the density is (or why it is not) available. */
  readonly densityNote: string;
  /** Mode centres of the Gaussian mixtures (for mode-coverage metrics: a sample is "high quality" within 3σ of its nearest centre). */
  readonly centers?: readonly (readonly [number, number])[];
  /** Component standard deviation of the Gaussian mixtures (and of the rings' noise). */
  readonly std?: number;
  /** Number of components / arms when points carry labels. */
  readonly numClasses?: number;
  /** A square [lo, hi]² holding essentially all the mass (for plots and numerical integration). */
  readonly bounds: readonly [number, number];
}

const LOG_2PI = Math.log(2 * Math.PI);

function gaussianMixture(name: ToyName, description: string, centers: [number, number][], std: number, bounds: [number, number]): ToyDistribution {
  const k = centers.length;
  const cx = Float64Array.from(centers, (c) => c[0]);
  const cy = Float64Array.from(centers, (c) => c[1]);
  const inv2var = 1 / (2 * std * std);
  // log N(p; c, σ²I) = -log(2πσ²) - |p-c|²/(2σ²); equal weights add -log K.
  const logNorm = -LOG_2PI - 2 * Math.log(std) - Math.log(k);
  const terms = new Float64Array(k);
  return {
    name,
    description,
    centers: centers.map((c) => Object.freeze([c[0], c[1]] as const)),
    std,
    numClasses: k,
    bounds,
    densityNote: `exact: equal-weight mixture of ${k} isotropic Gaussians with std ${std}`,
    sample(n, rng) {
      const x = new Float32Array(2 * n);
      const labels = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const c = rng.int(k);
        labels[i] = c;
        x[2 * i] = cx[c] + std * rng.normal();
        x[2 * i + 1] = cy[c] + std * rng.normal();
      }
      return { x, labels };
    },
    logProb(points) {
      const n = points.length >> 1;
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const px = points[2 * i], py = points[2 * i + 1];
        let m = -Infinity;
        for (let c = 0; c < k; c++) {
          const dx = px - cx[c], dy = py - cy[c];
          const t = -(dx * dx + dy * dy) * inv2var;
          terms[c] = t;
          if (t > m) m = t;
        }
        let s = 0;
        for (let c = 0; c < k; c++) s += Math.exp(terms[c] - m);
        out[i] = logNorm + m + Math.log(s);
      }
      return out;
    },
  };
}

/**
 * log I0(z) for z ≥ 0 (modified Bessel function of the first kind, order 0), Abramowitz & Stegun 9.8.1 / 9.8.2
 * (relative error of I0 below 2e-7), computed in log space so that it does not overflow for large z.
 */
export function logBesselI0(z: number): number {
  const a = Math.abs(z);
  if (a < 3.75) {
    const t = (a / 3.75) ** 2;
    return Math.log(1 + t * (3.5156229 + t * (3.0899424 + t * (1.2067492 + t * (0.2659732 + t * (0.0360768 + t * 0.0045813))))));
  }
  const t = 3.75 / a;
  const p = 0.39894228 + t * (0.01328592 + t * (0.00225319 + t * (-0.00157565 + t * (0.00916281 + t * (-0.02057706 + t * (0.02635537 + t * (-0.01647633 + t * 0.00392377)))))));
  return a - 0.5 * Math.log(a) + Math.log(p);
}

function rings(): ToyDistribution {
  const radii = [3, 2.25, 1.5, 0.75];
  const std = 0.08;
  const k = radii.length;
  const inv2var = 1 / (2 * std * std);
  return {
    name: "rings",
    description: "4 concentric rings (radii 3, 2.25, 1.5, 0.75), uniform angle, Gaussian noise std 0.08",
    std,
    numClasses: k,
    bounds: [-3.6, 3.6],
    densityNote: "exact: a ring of radius R blurred by N(0,σ²I) has density exp(-(r²+R²)/(2σ²)) I0(rR/σ²) / (2πσ²); I0 evaluated to ~2e-7 relative error",
    sample(n, rng) {
      const x = new Float32Array(2 * n);
      const labels = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const c = rng.int(k);
        const phi = 2 * Math.PI * rng.uniform();
        labels[i] = c;
        x[2 * i] = radii[c] * Math.cos(phi) + std * rng.normal();
        x[2 * i + 1] = radii[c] * Math.sin(phi) + std * rng.normal();
      }
      return { x, labels };
    },
    logProb(points) {
      const n = points.length >> 1;
      const out = new Float64Array(n);
      const terms = new Float64Array(k);
      for (let i = 0; i < n; i++) {
        const px = points[2 * i], py = points[2 * i + 1];
        const r2 = px * px + py * py;
        const r = Math.sqrt(r2);
        let m = -Infinity;
        for (let c = 0; c < k; c++) {
          const R = radii[c];
          const t = -(r2 + R * R) * inv2var + logBesselI0((r * R) / (std * std));
          terms[c] = t;
          if (t > m) m = t;
        }
        let s = 0;
        for (let c = 0; c < k; c++) s += Math.exp(terms[c] - m);
        out[i] = m + Math.log(s) - LOG_2PI - 2 * Math.log(std) - Math.log(k);
      }
      return out;
    },
  };
}

function checkerboard(): ToyDistribution {
  const logDensity = -Math.log(32); // 8 squares of area 4
  return {
    name: "checkerboard",
    description: "uniform on the 8 dark 2×2 squares (⌊x/2⌋+⌊y/2⌋ even) of the board [-4,4]²",
    bounds: [-4, 4],
    densityNote: "exact: 1/32 on the dark squares, 0 (log-density -Infinity) elsewhere",
    sample(n, rng) {
      const x = new Float32Array(2 * n);
      for (let i = 0; i < n; i++) {
        // FFJORD's construction: x1 ∈ [-2,2), x2 in a unit cell whose parity matches ⌊x1⌋, then ×2.
        const x1 = rng.uniform() * 4 - 2;
        const x2 = rng.uniform() - rng.int(2) * 2 + (((Math.floor(x1) % 2) + 2) % 2);
        x[2 * i] = 2 * x1;
        x[2 * i + 1] = 2 * x2;
      }
      return { x };
    },
    logProb(points) {
      const n = points.length >> 1;
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const px = points[2 * i], py = points[2 * i + 1];
        const inside = px >= -4 && px < 4 && py >= -4 && py < 4 && (((Math.floor(px / 2) + Math.floor(py / 2)) % 2) + 2) % 2 === 0;
        out[i] = inside ? logDensity : -Infinity;
      }
      return out;
    },
  };
}

function swissroll(): ToyDistribution {
  return {
    name: "swissroll",
    description: "swiss roll: t ~ U(1.5π, 4.5π), ((t cos t, t sin t) + N(0, I)) / 5",
    bounds: [-3.5, 3.5],
    densityNote: "none in closed form: the noise-blurred spiral's density is a 1-D integral along the curve",
    sample(n, rng) {
      const x = new Float32Array(2 * n);
      for (let i = 0; i < n; i++) {
        const t = 1.5 * Math.PI * (1 + 2 * rng.uniform());
        x[2 * i] = (t * Math.cos(t) + rng.normal()) / 5;
        x[2 * i + 1] = (t * Math.sin(t) + rng.normal()) / 5;
      }
      return { x };
    },
  };
}

function moons(): ToyDistribution {
  return {
    name: "moons",
    description: "two interleaved half circles with noise std 0.1, scaled ×2 and shifted by (-1, -0.2)",
    numClasses: 2,
    bounds: [-3.5, 3.5],
    densityNote: "none in closed form: a noise-blurred half circle's density is an incomplete Bessel integral",
    sample(n, rng) {
      const x = new Float32Array(2 * n);
      const labels = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const k = rng.int(2);
        const th = Math.PI * rng.uniform();
        const px = k === 0 ? Math.cos(th) : 1 - Math.cos(th);
        const py = k === 0 ? Math.sin(th) : 1 - Math.sin(th) - 0.5;
        labels[i] = k;
        x[2 * i] = 2 * (px + 0.1 * rng.normal()) - 1;
        x[2 * i + 1] = 2 * (py + 0.1 * rng.normal()) - 0.2;
      }
      return { x, labels };
    },
  };
}

function pinwheel(): ToyDistribution {
  const arms = 5, radialStd = 0.3, tangentialStd = 0.1, rate = 0.25;
  return {
    name: "pinwheel",
    description: "5-arm pinwheel: (1 + 0.3ε₁, 0.1ε₂) rotated by 2πk/5 + 0.25·exp(1 + 0.3ε₁), scaled ×2",
    numClasses: arms,
    bounds: [-4.5, 4.5],
    densityNote: "none in closed form: the radius-dependent rotation has no closed-form inverse",
    sample(n, rng) {
      const x = new Float32Array(2 * n);
      const labels = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const k = rng.int(arms);
        const f0 = 1 + radialStd * rng.normal();
        const f1 = tangentialStd * rng.normal();
        const a = (2 * Math.PI * k) / arms + rate * Math.exp(f0);
        const c = Math.cos(a), s = Math.sin(a);
        labels[i] = k;
        x[2 * i] = 2 * (f0 * c + f1 * s);
        x[2 * i + 1] = 2 * (-f0 * s + f1 * c);
      }
      return { x, labels };
    },
  };
}

function twoSpirals(): ToyDistribution {
  return {
    name: "2spirals",
    description: "two interleaved spirals (t = 3π·√u), divided by 3, noise std 0.1",
    numClasses: 2,
    bounds: [-4.5, 4.5],
    densityNote: "none in closed form",
    sample(n, rng) {
      const x = new Float32Array(2 * n);
      const labels = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const k = rng.int(2);
        const t = Math.sqrt(rng.uniform()) * 3 * Math.PI; // 540° in radians
        const dx = -Math.cos(t) * t + 0.5 * rng.uniform();
        const dy = Math.sin(t) * t + 0.5 * rng.uniform();
        const sign = k === 0 ? 1 : -1;
        labels[i] = k;
        x[2 * i] = (sign * dx) / 3 + 0.1 * rng.normal();
        x[2 * i + 1] = (sign * dy) / 3 + 0.1 * rng.normal();
      }
      return { x, labels };
    },
  };
}

const RING8: [number, number][] = Array.from({ length: 8 }, (_, k) => [2 * Math.cos((2 * Math.PI * k) / 8), 2 * Math.sin((2 * Math.PI * k) / 8)]);
const GRID25: [number, number][] = [];
for (const a of [-4, -2, 0, 2, 4]) for (const b of [-4, -2, 0, 2, 4]) GRID25.push([a, b]);

const FACTORIES: Record<ToyName, () => ToyDistribution> = {
  "8gaussians": () => gaussianMixture("8gaussians", "8 Gaussians (std 0.02) on a circle of radius 2", RING8, 0.02, [-2.5, 2.5]),
  "25gaussians": () => gaussianMixture("25gaussians", "25 Gaussians (std 0.05) on the grid {-4,-2,0,2,4}²", GRID25, 0.05, [-4.5, 4.5]),
  swissroll,
  moons,
  rings,
  checkerboard,
  pinwheel,
  "2spirals": twoSpirals,
};

/** The named toy distribution (sampler, density, centres). */
export function toyDistribution(name: string): ToyDistribution {
  const f = (FACTORIES as Record<string, (() => ToyDistribution) | undefined>)[name];
  if (!f || !Object.hasOwn(FACTORIES, name)) throw new DataError(`unknown toy distribution "${name}"; valid names: ${TOY_NAMES.join(", ")}`);
  return f();
}

export interface ToyOptions {
  /** Number of points in the (fixed) dataset (default 10000). */
  n?: number;
  seed?: number;
}

/** A fixed dataset of n points drawn from a toy distribution, with the distribution attached. */
export class ToySource extends ArraySource {
  readonly distribution: ToyDistribution;
  readonly logProb?: (points: ArrayLike<number>) => Float64Array;
  readonly centers?: readonly (readonly [number, number])[];
  readonly std?: number;
  /** The dataset's points (n×2, row-major). */
  readonly points: Float32Array;

  constructor(dist: ToyDistribution, sample: ToySample, name: string) {
    super(sample.x, [2], { name, labels: sample.labels, numClasses: dist.numClasses });
    this.distribution = dist;
    this.points = sample.x;
    if (dist.logProb) this.logProb = dist.logProb;
    if (dist.centers) this.centers = dist.centers;
    if (dist.std !== undefined) this.std = dist.std;
  }
}

/** toy("8gaussians", {n, seed}): n points sampled with a seeded Rng. */
export function toy(name: string, options: ToyOptions = {}): ToySource {
  const dist = toyDistribution(name);
  const n = options.n ?? 10000;
  if (!Number.isInteger(n) || n <= 0) throw new DataError(`toy:${name}: n must be a positive integer, got ${n}`);
  return new ToySource(dist, dist.sample(n, new Rng(options.seed ?? 0)), `toy:${name}`);
}
