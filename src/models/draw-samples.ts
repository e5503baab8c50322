// Drawing a model's samples through its `sample` query in chunks, as one flat array
// (n × dataShape): what the trainer's sample pictures, `eikon sample` and the sample metrics share.
import type { Rng, Tensor } from "../engine/index.js";
import type { QueryRunner } from "./query.js";

/** Draws n samples through the model's `sample` query, in chunks of at most `chunk`. */
export async function drawSamples(runner: QueryRunner, n: number, opts: { rng: Rng; temperature?: number; chunk?: number; players?: unknown }): Promise<Float32Array> {
  const model = runner.model;
  const per = model.dataShape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n * per);
  const chunk = Math.max(1, opts.chunk ?? 256);
  for (let at = 0; at < n; at += chunk) {
    const m = Math.min(chunk, n - at);
    const t: Tensor = await runner.run("sample", { n: m, rng: opts.rng, temperature: opts.temperature }, opts.players ?? model.players);
    const v = t.values();
    if (v.length !== m * per) {
      throw new Error(`model '${model.family}': the sample query returned shape [${t.shape.join(", ")}] for ${m} samples; expected [${m}, ${model.dataShape.join(", ")}]`);
    }
    out.set(v, at * per);
  }
  return out;
}
