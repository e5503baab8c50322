// Normal(μ, σ), elementwise: the VAE's posterior q(z|x) and prior p(z), and the Gaussian decoders.
import * as E from "../engine/index.js";
import type { Tensor } from "../engine/index.js";
import type { Distribution, NoiseSource } from "./noise.js";

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

export class Normal implements Distribution {
  readonly loc: Tensor;
  /** log σ, kept so densities never take log(exp(·)). */
  readonly logScale: Tensor;
  readonly reparameterized = true;

  /** N(loc, exp(logScale)²); shapes broadcast against each other. */
  constructor(loc: Tensor, logScale: Tensor | number) {
    this.loc = loc;
    this.logScale = typeof logScale === "number" ? E.scalar(logScale, loc.dtype) : logScale;
  }

  /** N(μ, σ) from σ > 0. */
  static fromScale(loc: Tensor, scale: Tensor | number): Normal {
    return new Normal(loc, typeof scale === "number" ? Math.log(scale) : E.log(scale));
  }
  /** N(μ, exp(logVar)), the usual VAE encoder head. */
  static fromLogVar(loc: Tensor, logVar: Tensor): Normal {
    return new Normal(loc, E.mul(logVar, 0.5));
  }
  /** N(0, 1) of a shape. */
  static standard(shape: readonly number[], dtype: "float32" | "float64" = "float32"): Normal {
    return new Normal(E.zeros(shape, dtype), E.zeros(shape, dtype));
  }

  get shape(): readonly number[] {
    return broadcast(this.loc.shape, this.logScale.shape);
  }
  scale(): Tensor {
    return E.exp(this.logScale);
  }
  variance(): Tensor {
    return E.exp(E.mul(this.logScale, 2));
  }
  mean(): Tensor {
    return E.broadcastTo(this.loc, this.shape);
  }

  // log N(x; μ, σ) = −½((x−μ)/σ)² − log σ − ½ log 2π
  logProb(x: Tensor): Tensor {
    const z = E.div(E.sub(x, this.loc), this.scale());
    return E.sub(E.sub(E.mul(E.square(z), -0.5), this.logScale), HALF_LOG_2PI);
  }

  /** The reparameterized draw μ + σ·ε for given standard-normal ε (broadcast to this shape). */
  rsample(eps: Tensor): Tensor {
    return E.add(this.loc, E.mul(this.scale(), eps));
  }
  sample(noise: NoiseSource): Tensor {
    return this.rsample(noise.normal(this.shape));
  }

  // H = ½ + ½ log 2π + log σ
  entropy(): Tensor {
    return E.broadcastTo(E.add(this.logScale, 0.5 + HALF_LOG_2PI), this.shape);
  }

  // KL(N(μ₁,σ₁) ‖ N(μ₂,σ₂)) = log σ₂/σ₁ + (σ₁² + (μ₁−μ₂)²)/(2σ₂²) − ½
  klTo(q: Normal): Tensor {
    const ratio = E.exp(E.mul(E.sub(this.logScale, q.logScale), 2));
    const d = E.div(E.sub(this.loc, q.loc), q.scale());
    return E.add(E.sub(q.logScale, this.logScale), E.mul(E.sub(E.add(ratio, E.square(d)), 1), 0.5));
  }

  // KL(N(μ,σ) ‖ N(0,1)) = ½(μ² + σ² − 1) − log σ: the VAE's KL term, without building a prior.
  klToStandard(): Tensor {
    const v = E.exp(E.mul(this.logScale, 2));
    return E.sub(E.mul(E.sub(E.add(E.square(this.loc), v), 1), 0.5), this.logScale);
  }
}

function broadcast(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1;
    const y = b[b.length - rank + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw new Error(`Normal: loc ${fmt(a)} and logScale ${fmt(b)} do not broadcast`);
    out.push(x === 1 ? y : x);
  }
  return out;
}
const fmt = (s: readonly number[]) => `[${s.join(", ")}]`;
