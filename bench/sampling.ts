// Sampling throughput: the VAE decoder (Bernoulli means σ(dec(z))) and the DCGAN generator
// (eval mode: running statistics), compiled two ways — weights baked in (the model captured by
// the closure as concrete tensors, so they become ONNX initializers ORT can pre-pack and
// constant-fold) and weights fed as graph inputs (as a training step sees them).
import { Rng, Tensor, compile, nativeBackend, sigmoid, type Backend } from "../src/engine/index.js";
import { Context } from "../src/nn/index.js";
import { buildVae, LATENT, type Vae } from "./archs/vae-mlp.js";
import { Generator, NZ } from "./archs/dcgan-mnist.js";

export interface SamplingResult {
  model: string;
  mode: "baked" | "fed";
  batch: number;
  threads: number;
  msPerCall: number;
  samplesPerSec: number;
  compileMs: number;
}

async function time(f: () => Promise<unknown>, minMs: number, minCalls: number): Promise<number> {
  await f();
  await f();
  const t0 = performance.now();
  let n = 0;
  while (n < minCalls || performance.now() - t0 < minMs) {
    await f();
    n++;
  }
  return (performance.now() - t0) / n;
}

export async function samplingBench(opts: { batch?: number; threads?: number[]; minMs?: number; rounds?: number; seed?: number } = {}): Promise<SamplingResult[]> {
  const batch = opts.batch ?? 128;
  const rng = new Rng(opts.seed ?? 0);
  const vae = buildVae(rng);
  const G = new Generator(rng);
  const ctx = Context.eval();
  const zVae = new Tensor([batch, LATENT], "float32", rng.fillNormal(new Float32Array(batch * LATENT)));
  const zG = new Tensor([batch, NZ], "float32", rng.fillNormal(new Float32Array(batch * NZ)));
  const out: SamplingResult[] = [];
  for (const threads of opts.threads ?? [1, 2]) {
    const backend: Backend = nativeBackend({ threads });
    const cases: { model: string; mode: "baked" | "fed"; run: () => Promise<unknown>; stats: () => number }[] = [];
    const vaeBaked = compile((z: Tensor) => sigmoid(vae.dec.forward(z, ctx)), { backend, name: "vae-decoder-baked" });
    const vaeFed = compile((m: Vae, z: Tensor) => sigmoid(m.dec.forward(z, ctx)), { backend, name: "vae-decoder-fed" });
    const gBaked = compile((z: Tensor) => G.forward(z, ctx), { backend, name: "dcgan-generator-baked" });
    const gFed = compile((g: Generator, z: Tensor) => g.forward(z, ctx), { backend, name: "dcgan-generator-fed" });
    cases.push(
      { model: "vae-mlp decoder", mode: "baked", run: () => vaeBaked(zVae), stats: () => vaeBaked.stats.compileMs },
      { model: "vae-mlp decoder", mode: "fed", run: () => vaeFed(vae, zVae), stats: () => vaeFed.stats.compileMs },
      { model: "dcgan-mnist generator", mode: "baked", run: () => gBaked(zG), stats: () => gBaked.stats.compileMs },
      { model: "dcgan-mnist generator", mode: "fed", run: () => gFed(G, zG), stats: () => gFed.stats.compileMs },
    );
    // baked and fed alternate over rounds (the machine's load drifts); the best round counts
    const best = new Map<(typeof cases)[number], number>();
    for (let round = 0; round < (opts.rounds ?? 3); round++) {
      for (const c of cases) best.set(c, Math.min(best.get(c) ?? Infinity, await time(c.run, opts.minMs ?? 300, 3)));
    }
    for (const c of cases) {
      const ms = best.get(c)!;
      out.push({ model: c.model, mode: c.mode, batch, threads, msPerCall: ms, samplesPerSec: (batch * 1000) / ms, compileMs: c.stats() });
    }
    await Promise.all([vaeBaked, vaeFed, gBaked, gFed].map((f) => f.dispose()));
  }
  return out;
}

if (process.argv[1]?.endsWith("sampling.ts")) {
  for (const r of await samplingBench()) console.log(JSON.stringify(r));
}
