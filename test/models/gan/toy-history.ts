// Mode coverage over a gan-toy run, every 200 generator steps, through the test loop (loop.ts: the
// trainer's compiled objective steps, k critic steps per generator step). Not part of `npm test`:
//   node --import tsx test/models/gan/toy-history.ts [--loss wgan-gp] [--seed 0] [--samples 25000]
// Prints one JSON line: final modes at 2500 and 25000 samples, and [step, modes, high-quality share] every 200 steps.
import * as E from "../../../src/engine/index.js";
import { asGenerativeModel, ganModel, type GanLoss } from "../../../src/models/gan/index.js";
import { drawSamples, QueryRunner } from "../../../src/train/index.js";
import { modeCoverage, mixtureTarget } from "../../../src/metrics/gan/index.js";
import { toyBatches, trainGan } from "./loop.js";

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const seed = Number(arg("seed", "0"));
const loss = arg("loss", "wgan-gp") as GanLoss;
const samples = Number(arg("samples", "25000"));
const backend = E.nativeBackend({ threads: Number(arg("threads", "1")) });
const m = ganModel("gan-toy", { loss }, new E.Rng(seed));
const gm = asGenerativeModel(m);
const target = mixtureTarget("25gaussians");
const score = async (n: number, s: number) => {
  const r = new QueryRunner(gm, backend);
  const x = await drawSamples(r, n, { rng: new E.Rng(s), chunk: n });
  await r.dispose();
  const c = modeCoverage(x, target);
  return [c.modes, Number(c.highQuality.toFixed(4))];
};
const history: (number | number[])[][] = [];
await trainGan(m, {
  iterations: 2000,
  batchAt: toyBatches("25gaussians", 256, seed + 10, 51200),
  recipe: m.recipe,
  seed,
  backend,
  every: 200,
  onIteration: async (it) => {
    history.push([it, ...(await score(samples, it))]);
  },
});
console.log(JSON.stringify({ loss, seed, final2500: await score(2500, 1), final25000: await score(25000, 2), history }));
