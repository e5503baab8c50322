// Shared by the GAN tests: the golden networks (test/fixtures/gan/losses.json) as Eikon modules,
// float64 contexts with given noise, and gradients by state-dict name.
import { readFileSync } from "node:fs";
import * as E from "../../../src/engine/index.js";
import { Context, loadNamedTensors, namedTensors, toDtype, type Sequential } from "../../../src/nn/index.js";
import { GAN_TOY_DEFAULTS, Generator, buildDiscriminatorNet, buildGeneratorNet, flatParams, type GanConfig } from "../../../src/models/gan/index.js";
import { withFields } from "../../../src/nn/index.js";

export interface Golden {
  shape: number[];
  data: number[];
}

export const golden = JSON.parse(readFileSync(new URL("../../fixtures/gan/losses.json", import.meta.url), "utf8"));

export const T = (g: Golden): E.Tensor => new E.Tensor(g.shape, "float64", Float64Array.from(g.data));

const tensors = (state: Record<string, Golden>) => new Map(Object.entries(state).map(([k, v]) => [k, T(v)]));

/** The golden's tiny config: G 2-4-4-2, D 2-4-4-1, ReLU. */
export function tinyConfig(over: Partial<GanConfig> = {}): GanConfig {
  return { ...GAN_TOY_DEFAULTS, hidden: [4, 4], ...over };
}

export function goldenNets(c: GanConfig): { generator: Generator; discriminator: Sequential } {
  const rng = new E.Rng(0);
  const gNet = loadNamedTensors(toDtype(buildGeneratorNet(c, rng), "float64"), tensors(golden.G));
  const discriminator = loadNamedTensors(toDtype(buildDiscriminatorNet(c, rng), "float64"), tensors(golden.D));
  let generator = new Generator(gNet, { ema: false, prev: c.proximal > 0 });
  if (c.proximal > 0) {
    const prevNet = loadNamedTensors(gNet, tensors(golden.proximal.G_prev));
    // G° taken earlier in this iteration (step 0): the generator step uses it as it is
    generator = withFields(generator, { prev: flatParams(prevNet), prevStep: E.tensor([0], [1], "float64") });
  }
  return { generator, discriminator };
}

/** A training context whose noise is exactly these tensors, in order. */
export function noiseContext(normal: E.Tensor[], uniform: E.Tensor[] = []): Context {
  const cat = (ts: E.Tensor[]) => (ts.length ? E.concat(ts.map((t) => E.reshape(t, [t.size])), 0) : undefined);
  return Context.train({ normal: cat(normal), uniform: cat(uniform) });
}

/** A gradient tree as {state-dict name: values}. */
export function byName(tree: unknown): Record<string, E.Tensor> {
  return Object.fromEntries(namedTensors(tree));
}
