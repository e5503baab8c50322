// Every `eikon` command as a child process on a tiny configuration of the real `vae` family:
// train → sample → eval → export (loaded back in onnxruntime-node) → report, plus list and help.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import "../../src/models/index.js";
import { Rng } from "../../src/engine/index.js";
import { decodePng } from "../../src/io/index.js";
import { loadRun, QueryRunner, readMetrics, readRunConfig } from "../../src/train/index.js";
import { scratchDir } from "../train/helpers/scratch.js";
import { eikon } from "./helpers/cli.js";

const dir = scratchDir("cli");
const run = join(dir, "vae-run");
const tiny = join(dir, "tiny.json");

before(async () => {
  writeFileSync(tiny, JSON.stringify({ hidden: [32], latent: 4, iwaeSamples: 4, diagnostics: false }));
});

test("eikon train: a tiny vae on an MNIST subset writes its run directory", async () => {
  const r = await eikon(["train", "vae", "--config", tiny, "--steps", "20", "--subset", "256", "--batch", "32", "--checkpoint-every", "10", "--log-every", "5", "--out", run]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^trained 20 steps \(loss [\d.]+/);
  assert.match(r.stdout, new RegExp(`run directory: ${run}`));
  assert.match(r.stderr, /^training: step 0\/20$/m, "not a TTY: plain progress lines");
  assert.match(r.stderr, /^step 20\/20 \(100%\) \| [\d.]+ it\/s/m);
  const cfg = readRunConfig(run);
  assert.equal(cfg.family, "vae");
  assert.deepEqual((cfg.config as { hidden: number[] }).hidden, [32]);
  assert.deepEqual(cfg.data, { spec: "mnist", name: "mnist:train", subset: 256 });
  assert.equal(cfg.options.steps, 20);
  assert.deepEqual(readMetrics(join(run, "metrics.jsonl")).map((m) => m.step), [5, 10, 15, 20]);
  assert.deepEqual(readdirSync(join(run, "checkpoints")).sort(), ["best.safetensors", "step-00000000.safetensors", "step-00000010.safetensors", "step-00000020.safetensors"]);
  assert.deepEqual(readdirSync(join(run, "samples")).sort(), ["step-00000010.png", "step-00000020.png"]);
  assert.ok(existsSync(join(run, "report.html")));
});

test("eikon sample: a PNG grid and a .npy from the run directory alone", async () => {
  const png = join(dir, "grid.png"), npy = join(dir, "s.npy");
  const r = await eikon(["sample", run, "--n", "12", "--out", png, "--npy", npy, "--temperature", "0.5", "--seed", "3"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /wrote 12 samples to .*grid\.png \(step 20\)/);
  const img = await decodePng(png);
  assert.equal(img.channels, 1);
  // 12 images of 28×28 in 4 columns and 3 rows with 2-pixel padding.
  assert.deepEqual([img.width, img.height], [4 * 30 + 2, 3 * 30 + 2]);
  const bytes = readFileSync(npy);
  assert.match(bytes.subarray(10, 80).toString("latin1"), /'descr': '<f4', 'fortran_order': False, 'shape': \(12, 1, 28, 28\)/);
  assert.equal(bytes.length - (bytes.readUInt16LE(8) + 10), 12 * 784 * 4);
  // --threads (a program option, accepted after the command too) changes the op threads, not the samples
  const npy1 = join(dir, "s1.npy");
  const one = await eikon(["sample", run, "--n", "12", "--npy", npy1, "--temperature", "0.5", "--seed", "3", "--threads", "1"]);
  assert.equal(one.code, 0, one.stderr);
  const values = (b: Buffer) => new Float32Array(b.buffer.slice(b.byteOffset + b.readUInt16LE(8) + 10, b.byteOffset + b.length));
  const a = values(bytes), b = values(readFileSync(npy1));
  assert.equal(a.length, b.length);
  assert.ok(a.every((v, i) => Math.abs(v - b[i]) < 1e-5), "the same samples at one op thread");
});

test("eikon sample/eval --standing-stats: recomputes a batch-norm sampler's statistics; refused without batch norm", async () => {
  const ganRun = join(dir, "gan-bn");
  const cfg = join(dir, "gan-bn.json");
  writeFileSync(cfg, JSON.stringify({ hidden: [8], gBatchNorm: true, ema: 0.9, loss: "ns" }));
  const t = await eikon(["train", "gan-toy", "--config", cfg, "--data", "toy:8gaussians?n=256", "--steps", "4", "--batch", "32", "--quiet", "--out", ganRun]);
  assert.equal(t.code, 0, t.stderr);
  const npy = join(dir, "bn.npy");
  const r = await eikon(["sample", ganRun, "--n", "40", "--npy", npy, "--standing-stats", "3"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /standing statistics: 1 batch-norm layer recomputed over 3 × 256 draws/);
  const plain = await eikon(["sample", ganRun, "--n", "40", "--npy", join(dir, "bn-plain.npy")]);
  assert.equal(plain.code, 0, plain.stderr);
  assert.notDeepEqual(readFileSync(npy), readFileSync(join(dir, "bn-plain.npy")), "the statistics changed the samples");
  const e = await eikon(["eval", ganRun, "--metric", "modes", "--n", "100", "--standing-stats", "2"]);
  assert.equal(e.code, 0, e.stderr);
  assert.match(e.stdout, /^mode-coverage +\d+ +modes of 8/m);
  const line = JSON.parse(readFileSync(join(ganRun, "eval.jsonl"), "utf8").trim().split("\n").pop()!);
  assert.equal(line.standingStats, 2);
  const none = await eikon(["sample", run, "--n", "4", "--npy", join(dir, "none.npy"), "--standing-stats", "2"]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /--standing-stats: model 'vae' samples without batch norm; there are no running statistics to recompute/);
  assert.ok(!existsSync(join(dir, "none.npy")), "nothing written");
  // discriminator rejection sampling on the same (ns) GAN; refused for a model without a discriminator
  const drsNpy = join(dir, "drs.npy");
  const drs = await eikon(["sample", ganRun, "--n", "30", "--npy", drsNpy, "--drs", "--drs-percentile", "0.5"]);
  assert.equal(drs.code, 0, drs.stderr);
  assert.match(drs.stderr, /discriminator rejection sampling: 30 of \d+ candidates accepted \([\d.]+ %; γ -?[\d.]+, max logit -?[\d.]+\)/);
  assert.equal(readFileSync(drsNpy).length - (readFileSync(drsNpy).readUInt16LE(8) + 10), 30 * 2 * 4);
  const noD = await eikon(["sample", run, "--n", "4", "--npy", join(dir, "nod.npy"), "--drs"]);
  assert.equal(noD.code, 2);
  assert.match(noD.stderr, /--drs: model 'vae' has no discriminator \('energy' query\) to weigh its samples/);
  const stray = await eikon(["sample", ganRun, "--n", "4", "--npy", join(dir, "stray.npy"), "--drs-percentile", "0.9"]);
  assert.equal(stray.code, 2);
  assert.match(stray.stderr, /--drs-percentile applies to discriminator rejection sampling; add --drs/);
  const bad = await eikon(["sample", ganRun, "--n", "4", "--drs", "--drs-percentile", "1.5"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /argument '1\.5' is invalid\. expected a number in \[0, 1\) or 'exact'\./);
  assert.ok(![join(dir, "nod.npy"), join(dir, "stray.npy")].some(existsSync), "nothing written");
});

test("eikon eval: a table, and --json", async () => {
  const table = await eikon(["eval", run, "--metric", "elbo", "--n", "64"]);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /^run .*vae-run, step 20, data mnist:test$/m, "the held-out split of the training data by default");
  assert.match(table.stdout, /^metric +value +stderr +unit +n/m);
  assert.match(table.stdout, /^elbo +-[\d.]+ +± [\d.]+ +nats\/example +64/m);

  const json = await eikon(["eval", run, "--metric", "elbo,nll", "--n", "32", "--k", "20", "--json"]);
  assert.equal(json.code, 0, json.stderr);
  const out = JSON.parse(json.stdout) as { step: number; results: { metric: string; value: number; n: number }[] };
  assert.equal(out.step, 20);
  assert.deepEqual(out.results.map((r) => r.metric), ["elbo", "nll"]);
  assert.ok(out.results.every((r) => Number.isFinite(r.value) && r.n === 32));
  const evals = readFileSync(join(run, "eval.jsonl"), "utf8").trim().split("\n");
  assert.equal(evals.length, 3, "each result is appended to the run's eval.jsonl");
});

test("eikon export: a standalone decoder that onnxruntime-node runs like Eikon's own query", async () => {
  const file = join(dir, "decoder.onnx");
  const r = await eikon(["export", run, "--onnx", file, "--batch", "3"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /vae decoder \(query 'decode', step 20, \d+ bytes, verified/);
  assert.match(r.stdout, /inputs: z float32\[3,4\]\n {2}outputs: x float32\[3,1,28,28\]/);

  const session = await ort.InferenceSession.create(readFileSync(file));
  const z = new Rng(9).fillNormal(new Float32Array(12));
  const got = (await session.run({ z: new ort.Tensor("float32", z, [3, 4]) })).x.data as Float32Array;
  await session.release();
  const { model } = await loadRun(run);
  const runner = new QueryRunner(model);
  const { tensor } = await import("../../src/engine/index.js");
  const want = (await runner.run("decode", { n: 3, rng: new Rng(0), inputs: { z: tensor(z, [3, 4]) } })).values();
  await runner.dispose();
  let diff = 0;
  for (let i = 0; i < want.length; i++) diff = Math.max(diff, Math.abs(got[i] - want[i]));
  assert.ok(diff < 1e-5, `max difference ${diff}`);
});

test("eikon report and eikon list", async () => {
  rmSync(join(run, "report.html"));
  const r = await eikon(["report", run]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), join(run, "report.html"));
  const html = readFileSync(join(run, "report.html"), "utf8");
  for (const s of ['aria-label="loss"', "samples/step-00000020.png", "elbo", "checkpoints/step-00000020.safetensors"]) assert.ok(html.includes(s), s);

  const l = await eikon(["list"]);
  assert.equal(l.code, 0, l.stderr);
  assert.match(l.stdout, /^models:\n(.*\n)*? {2}vae +variational autoencoder/m);
  assert.match(l.stdout, /^datasets \(--data\):\n(.*\n)*? {2}mnist +MNIST/m);
  assert.match(l.stdout, /^metrics \(eikon eval --metric\):\n(.*\n)*? {2}elbo +/m);
});

test("--help exits 0 with usage; a bad flag exits 2 with one message", async () => {
  const h = await eikon(["export", "--help"]);
  assert.equal(h.code, 0);
  assert.match(h.stdout, /^Usage: eikon export \[options\] <run>/);
  assert.match(h.stdout, /--part <part>[\s\S]*\(choices: "decoder", "generator",\s+"density", "encoder"\)/);
  const bad = await eikon(["sample", run, "--n", "-3"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^error: option '--n <count>' argument '-3' is invalid\. expected a positive integer\./);
  assert.equal(bad.stdout, "");
});
