// The gan-toy table of docs/gan-toy-results.md: every loss on 25 Gaussians with the same budget
// (2000 generator steps, batch 256, seed 0), each with its loss's reference recipe, trained by the
// trainer (src/train) and scored by mode coverage on 2500 samples (as the PyTorch peer,
// ../shared/peers/train_gan_toy.py, scores) and on 25000 (where a 1–2 % high-quality share still
// leaves hundreds of samples to count modes with). Not part of `npm test`:
//   node --import tsx test/models/gan/toy-results.ts [--iters 2000] [--losses ns,minimax,…] [--seed 0] [--data spec] [--out docs/gan-toy-results.json]
// Data: the recipe's (2000·5·256 points, none seen twice in 2000 iterations for k ≤ 5) unless --data names another spec.
// Prints one JSON line per loss; with --out, also writes them as a JSON array.
import { writeFileSync } from "node:fs";
import * as E from "../../../src/engine/index.js";
import { GAN_LOSSES, asGenerativeModel, dStepsOf, ganModel, type GanLoss } from "../../../src/models/gan/index.js";
import { drawSamples, QueryRunner, train } from "../../../src/train/index.js";
import { modeCoverage, mixtureTarget } from "../../../src/metrics/gan/index.js";

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const iters = Number(arg("iters", "2000"));
const losses = arg("losses", GAN_LOSSES.join(",")).split(",") as GanLoss[];
const seed = Number(arg("seed", "0"));
const out = arg("out", "");
// One op thread: on a shared 2-core machine ORT's spinning pool loses to a single thread.
const backend = E.nativeBackend({ threads: Number(arg("threads", "1")) });
const rows: Record<string, unknown>[] = [];
for (const loss of losses) {
  const model = ganModel("gan-toy", { loss }, new E.Rng(seed));
  const t0 = performance.now();
  // The recipe's data: fresh points for the full 2000 steps (no point seen twice, as the peer).
  const data = arg("data", model.recipe.data);
  const r = await train(asGenerativeModel(model), data, { steps: iters, batchSize: 256, optimizers: model.recipe.optimizers, seed, backend, progress: "none", logEvery: 1000 });
  const seconds = (performance.now() - t0) / 1000;
  const runner = new QueryRunner(asGenerativeModel(model), backend);
  const score = async (n: number, s: number) => {
    const c = modeCoverage(await drawSamples(runner, n, { rng: new E.Rng(s), chunk: 2500 }), mixtureTarget("25gaussians"));
    return { modes: c.modes, high_quality: Number(c.highQuality.toFixed(4)), kl: c.kl === null ? null : Number(c.kl.toFixed(4)) };
  };
  const at2500 = await score(2500, seed + 1);
  const at25000 = await score(25000, seed + 2);
  await runner.dispose();
  const row = { loss, iters, data, critic: dStepsOf(model.config), hidden: model.config.hidden, batch: 256, seed, ...at2500, samples25000: at25000, seconds: Number(seconds.toFixed(1)), final: r.values };
  console.log(JSON.stringify(row));
  rows.push(row);
}
if (out) writeFileSync(out, JSON.stringify(rows, null, 1) + "\n");
