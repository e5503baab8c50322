// The no-batch-norm DCGAN with and without the generator's proximal regularizer (G's loss +
// λ·E_z‖G(z) − G°(z)‖², G° the generator before this iteration's G update, same z), trained with 5 D and
// 5 G batches per iteration, FID over training. Not part of `npm test`:
//   node --import tsx test/models/gan/dcgan-proximal.ts [--epochs 2] [--segments 4] [--lambdas 0,1]
//        [--fid-samples 2000] [--threads 1] [--seed 0] [--dir /tmp/dcgan-work/proximal] [--out results.json]
// Model: `dcgan` (BENCHMARKS.md dcgan-mnist) with gBatchNorm false (D has none anyway), dSteps 5,
// gSteps 5, non-saturating, Adam 2e-4 β (.5, .999), batch 128; λ = 0 is the run without the
// regularizer. --epochs counts epochs of D's data (an iteration takes 5 data batches: 94 iterations
// per epoch). The variants are trained in lockstep, `segments` equal pieces each, through the
// trainer with a run directory and --resume between pieces (which continues exactly), so that
// both have the same number of scored points whenever the script is stopped. After each piece the
// generator is scored on the same z: FID against the MNIST test set on Eikon's feature net, and
// digit shares from the same classifier. Prints a table and one JSON line per point.
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as E from "../../../src/engine/index.js";
import { asGenerativeModel, ganModel, type GanModel } from "../../../src/models/gan/index.js";
import { drawSamples, QueryRunner, toDisplayRange, train } from "../../../src/train/index.js";
import { digits, fid, mnistClassifier, mnistReferenceStats } from "../../../src/metrics/gan/index.js";

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const epochs = Number(arg("epochs", "2"));
const segments = Number(arg("segments", "4"));
const lambdas = arg("lambdas", "0,1").split(",").map(Number);
const n = Number(arg("fid-samples", "2000"));
const seed = Number(arg("seed", "0"));
const dir = arg("dir", "/tmp/dcgan-work/proximal");
const backend = E.nativeBackend({ threads: Number(arg("threads", "1")) });
const K = 5;

const classifier = await mnistClassifier({ log: (m) => console.error(m) });
const reference = await mnistReferenceStats(classifier);

const models = lambdas.map((proximal) => ganModel("dcgan", { gBatchNorm: false, dSteps: K, gSteps: K, proximal }, new E.Rng(seed)));
const runDir = (l: number) => join(dir, `lambda-${l}`);
for (const l of lambdas) rmSync(runDir(l), { recursive: true, force: true });
const perEpoch = Math.ceil(Math.floor(60000 / 128) / K);
const total = Math.ceil(epochs * perEpoch);
const targets = Array.from({ length: segments }, (_, s) => Math.round((total * (s + 1)) / segments));

async function score(m: GanModel) {
  const runner = new QueryRunner(asGenerativeModel(m), backend);
  const raw = await drawSamples(runner, n, { rng: new E.Rng(seed + 1), chunk: 500 });
  await runner.dispose();
  const s = { x: toDisplayRange(m.dataTransform, raw), shape: [n, 1, 28, 28], range: "unit" as const };
  const f = await fid(s, { classifier, reference });
  const d = await digits(s, { classifier });
  return { fid: Number(f.value.toFixed(2)), digitsWith5pct: d.value, shares: Array.from({ length: 10 }, (_, k) => Number((100 * d.details[`share${k}`]).toFixed(1))) };
}

type Row = { lambda: number; step: number; epoch: number; seconds: number; fid: number; digitsWith5pct: number; shares: number[]; d_loss: number; g_loss: number; proximal?: number };
const rows: Row[] = [];
const seconds = lambdas.map(() => 0);
console.error(`${total} iterations (${epochs} epochs of D data, ${perEpoch} iterations each, ${K} D + ${K} G steps per iteration); scored at ${targets.join(", ")}; λ ${lambdas.join(", ")}; FID on ${n} samples`);
for (let s = 0; s < segments; s++) {
  for (let i = 0; i < lambdas.length; i++) {
    const m = models[i];
    const t0 = performance.now();
    const r = await train(asGenerativeModel(m), "mnist", {
      ...(s === 0 ? { seed, optimizers: m.recipe.optimizers, checkpointEvery: targets[0], keepLast: 2, sampleEvery: 0, logEvery: 10 } : { resume: true }),
      steps: targets[s],
      out: runDir(lambdas[i]),
      backend,
      progress: "none",
    });
    seconds[i] += (performance.now() - t0) / 1000;
    const sc = await score(m);
    const row: Row = {
      lambda: lambdas[i],
      step: r.step,
      epoch: Number((r.step / perEpoch).toFixed(2)),
      seconds: Number(seconds[i].toFixed(0)),
      ...sc,
      d_loss: Number(r.values.d_loss.toFixed(3)),
      g_loss: Number(r.values.g_loss.toFixed(3)),
      ...(r.values["g_loss.proximal"] !== undefined ? { proximal: Number(r.values["g_loss.proximal"].toPrecision(3)) } : {}),
    };
    rows.push(row);
    console.log(JSON.stringify(row));
  }
}

const at = (l: number, step: number) => rows.find((r) => r.lambda === l && r.step === step);
console.log(`\n| epochs of D data | ${lambdas.map((l) => (l === 0 ? "FID, no regularizer" : `FID, λ = ${l}`)).join(" | ")} | ${lambdas.map((l) => `digits ≥ 5 %, λ = ${l}`).join(" | ")} |`);
console.log(`| --- | ${lambdas.map(() => "---").join(" | ")} | ${lambdas.map(() => "---").join(" | ")} |`);
for (const step of targets) {
  const cells = lambdas.map((l) => at(l, step));
  console.log(`| ${(step / perEpoch).toFixed(2)} | ${cells.map((c) => c?.fid ?? "—").join(" | ")} | ${cells.map((c) => c?.digitsWith5pct ?? "—").join(" | ")} |`);
}
const file = arg("out", "");
if (file) writeFileSync(file, JSON.stringify({ epochs, segments, lambdas, n, seed, K, perEpoch, rows }, null, 1) + "\n");
