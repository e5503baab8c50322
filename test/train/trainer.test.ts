// The training loop on tiny test-only families: the run directory it writes, checkpoints (last K,
// best, PyTorch names, atomic), exact resume, the NaN guard (stop with the step and term named,
// or roll back and halve the learning rate), games with k critic steps, evaluation and interruption.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import "./helpers/register.js";
import { nativeBackend, Rng, Tensor, type Backend } from "../../src/engine/index.js";
import { findFamily, type GenerativeModel } from "../../src/models/index.js";
import { listCheckpoints, loadCheckpoint, NonFiniteError, readMetrics, readRunConfig, train, type TrainEvent } from "../../src/train/index.js";
import { scratchDir } from "./helpers/scratch.js";

const dir = scratchDir("trainer");
const make = (family: string, config: Record<string, unknown> = {}, seed = 0): GenerativeModel => findFamily(family).create(config, new Rng(seed));
const quadData = { spec: "toy:8gaussians?n=256" };
const w = (m: GenerativeModel) => Array.from(((m.players.model as { w: Tensor }).w).values());

test("train writes a complete run directory and the loss falls", async () => {
  const out = join(dir, "quad");
  const model = make("test-quad", { init: 3 });
  const r = await train(model, quadData, { steps: 40, checkpointEvery: 10, keepLast: 2, logEvery: 5, out, progress: "none" });
  assert.equal(r.status, "completed");
  assert.equal(r.step, 40);

  const cfg = readRunConfig(out);
  assert.equal(cfg.family, "test-quad");
  assert.deepEqual(cfg.config, { init: 3, explodeAbove: null, nanGrad: false, infMetricFrom: null });
  assert.deepEqual(cfg.data, { spec: "toy:8gaussians?n=256", name: "toy:8gaussians" });
  assert.equal(cfg.seed, 0);
  assert.equal(cfg.options.steps, 40);
  assert.equal(cfg.options.batchSize, 32, "the recipe's batch size");
  assert.deepEqual(cfg.options.optimizers, { model: { kind: "sgd", lr: 0.1 } });

  const metrics = readMetrics(join(out, "metrics.jsonl"));
  assert.deepEqual(metrics.map((m) => m.step), [5, 10, 15, 20, 25, 30, 35, 40]);
  assert.ok(metrics.every((m) => m.train && typeof m.train.nll === "number" && typeof m.train.dist === "number" && m.lr?.model === 0.1));
  assert.ok(metrics[7].train!.nll < metrics[0].train!.nll, "the loss falls");
  assert.ok(Math.hypot(...w(model)) < 1, `model.players holds the trained mean (|w| = ${Math.hypot(...w(model))})`);

  // last K step checkpoints plus best; no temp files
  const files = readdirSync(join(out, "checkpoints")).sort();
  assert.deepEqual(files, ["best.safetensors", "step-00000030.safetensors", "step-00000040.safetensors"]);
  const ck = await loadCheckpoint(join(out, "checkpoints", "step-00000040.safetensors"));
  assert.equal(ck.state.step, 40);
  assert.deepEqual([...ck.tensors.keys()].sort(), ["model.w"], "sgd without momentum keeps no state");
  assert.deepEqual(Array.from(ck.tensors.get("model.w")!.values()), w(model));
  assert.equal(ck.state.iterator!.batchSize, 32);

  // a sample picture per checkpoint (2-D points: scatter plots), and the report
  assert.deepEqual(readdirSync(join(out, "samples")).sort(), ["step-00000010.png", "step-00000020.png", "step-00000030.png", "step-00000040.png"]);
  const html = readFileSync(join(out, "report.html"), "utf8");
  assert.match(html, /<svg[^>]*aria-label="nll"/);
  assert.match(html, /samples\/step-00000040\.png/);
  assert.match(html, /"family": "test-quad"/);
  assert.ok(!existsSync(join(out, ".lock")), "the lock is released");
});

test("a run directory that already holds a run is refused", async () => {
  const out = join(dir, "quad");
  await assert.rejects(train(make("test-quad"), quadData, { steps: 2, out, progress: "none" }), /already holds a run.*--resume/);
});

test("checkpoints carry PyTorch state-dict names for parameters, buffers and optimizer slots", async () => {
  const out = join(dir, "vae");
  const model = make("test-vae", { hidden: 8, latent: 2 });
  await train(model, { spec: "mnist", subset: 64 }, { steps: 3, batchSize: 16, out, progress: "none", sampleEvery: 0 });
  const ck = await loadCheckpoint(listCheckpoints(join(out, "checkpoints")).at(-1)!.path);
  const names = [...ck.tensors.keys()];
  for (const n of [
    "model.encoder.1.weight",
    "model.encoder.2.running_mean",
    "model.encoder.2.running_var",
    "model.encoder.2.num_batches_tracked",
    "model.decoder.2.bias",
    "optimizer.model.encoder.1.weight.exp_avg",
    "optimizer.model.decoder.2.bias.exp_avg_sq",
    "optimizer.model.step",
  ]) {
    assert.ok(names.includes(n), `${n} in ${names.join(", ")}`);
  }
  assert.ok(!names.some((n) => n.startsWith("optimizer.") && n.includes("running_")), "buffers have no optimizer state");
  assert.equal(ck.tensors.get("optimizer.model.step")!.item(), 3);
  assert.equal(ck.tensors.get("model.encoder.2.num_batches_tracked")!.item(), 3, "BatchNorm's buffers were updated in-graph each step");
});

test("resuming from a checkpoint continues exactly (in-process)", async () => {
  const opts = { batchSize: 16, logEvery: 1, checkpointEvery: 4, sampleEvery: 0, progress: "none" as const };
  const data = { spec: "mnist", subset: 64 };
  const a = join(dir, "resume-a"), b = join(dir, "resume-b");
  await train(make("test-vae", { hidden: 8, latent: 2 }), data, { ...opts, steps: 8, out: a });
  await train(make("test-vae", { hidden: 8, latent: 2 }), data, { ...opts, steps: 4, out: b });
  // A different initialization must not matter: the checkpoint replaces it.
  const r = await train(make("test-vae", { hidden: 8, latent: 2 }, 99), data, { steps: 8, out: b, resume: true, progress: "none" });
  assert.equal(r.step, 8);
  const la = readMetrics(join(a, "metrics.jsonl")), lb = readMetrics(join(b, "metrics.jsonl"));
  assert.deepEqual(lb.map((m) => m.step), [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual(lb.map((m) => m.train), la.map((m) => m.train));
  assert.equal(readRunConfig(b).options.steps, 8, "config.json records the extended total");
});

test("a non-finite loss stops the run naming the step and the loss; the last good checkpoint stays", async () => {
  const out = join(dir, "nan-loss");
  const model = make("test-quad", { init: 3, explodeAbove: 10 });
  // SGD with lr 2.5 on a unit quadratic overshoots by ×1.5 a step: |w| passes 10 after a few steps.
  const err = await train(model, quadData, { steps: 50, lr: 2.5, checkpointEvery: 2, out, progress: "none", sampleEvery: 0 }).then(
    () => assert.fail("training should stop"),
    (e: unknown) => e,
  );
  assert.ok(err instanceof NonFiniteError, String(err));
  assert.equal(err.kind, "loss");
  assert.equal(err.term, "nll");
  assert.match(err.message, new RegExp(`^step ${err.step}: loss 'nll' is NaN`));
  assert.match(err.message, /--on-nan rollback/);
  const steps = listCheckpoints(join(out, "checkpoints")).map((c) => c.step);
  assert.ok(steps.every((s) => s < err.step), `no checkpoint at or after the failing step ${err.step}: ${steps}`);
  const last = await loadCheckpoint(listCheckpoints(join(out, "checkpoints")).at(-1)!.path);
  assert.match(err.message, new RegExp(`last good checkpoint is .*step-0+${last.state.step}\\.safetensors`));
  // model.players holds the parameters of the last finite step (those whose loss then came out NaN).
  assert.ok(w(model).every(Number.isFinite) && Math.max(...w(model).map(Math.abs)) > 10);
  assert.ok(!readdirSync(join(out, "checkpoints")).some((f) => f.startsWith(".")), "no temp files left");
});

test("a non-finite metric or gradient is named too", async () => {
  const metricErr = await train(make("test-quad", { infMetricFrom: 3 }), quadData, { steps: 10, progress: "none" }).catch((e: unknown) => e);
  assert.ok(metricErr instanceof NonFiniteError);
  assert.equal(metricErr.kind, "metric");
  assert.match(metricErr.message, /^step 4: metric 'bad' of objective 'nll' is -Infinity/);

  const gradErr = await train(make("test-quad", { nanGrad: true }), quadData, { steps: 10, progress: "none" }).catch((e: unknown) => e);
  assert.ok(gradErr instanceof NonFiniteError);
  assert.equal(gradErr.kind, "gradient");
  assert.match(gradErr.message, /^step 1: the gradient of loss 'nll' \(player 'model'\) is not finite/);
});

test("--on-nan rollback reloads the last checkpoint and halves the learning rate until training is stable", async () => {
  const out = join(dir, "rollback");
  const events: TrainEvent[] = [];
  const model = make("test-quad", { init: 3, explodeAbove: 10 });
  const r = await train(model, quadData, { steps: 30, lr: 2.5, checkpointEvery: 5, logEvery: 1, onNan: "rollback", out, progress: "none", sampleEvery: 0, callback: (e) => void events.push(e) });
  assert.equal(r.status, "completed");
  const rollbacks = events.filter((e): e is Extract<TrainEvent, { type: "rollback" }> => e.type === "rollback");
  assert.ok(rollbacks.length >= 1);
  assert.equal(rollbacks[0].lrScale, 0.5);
  assert.match(rollbacks[0].reason, /loss 'nll' is NaN/);
  const metrics = readMetrics(join(out, "metrics.jsonl"));
  assert.deepEqual(metrics.map((m) => m.step), Array.from({ length: 30 }, (_, i) => i + 1), "steps after the checkpoint were redone, once each in the log");
  const finalLr = metrics.at(-1)!.lr!.model;
  assert.equal(finalLr, 2.5 * rollbacks.at(-1)!.lrScale);
  assert.ok(metrics.every((m) => Number.isFinite(m.train!.nll)));
  const ck = await loadCheckpoint(listCheckpoints(join(out, "checkpoints")).at(-1)!.path);
  assert.equal(ck.state.lrScale, rollbacks.at(-1)!.lrScale, "the halved rate is part of the checkpoint");
});

test("a two-player game: k critic steps per generator step, one optimizer per player", async () => {
  const out = join(dir, "gan");
  const events: TrainEvent[] = [];
  const r = await train(make("test-gan"), { spec: "toy:8gaussians?n=320" }, { steps: 5, out, progress: "none", logEvery: 1, callback: (e) => void events.push(e) });
  assert.equal(r.step, 5);
  const steps = events.filter((e): e is Extract<TrainEvent, { type: "step" }> => e.type === "step");
  assert.deepEqual(Object.keys(steps[0].values).sort(), ["d_loss", "d_loss.real", "g_loss"]);
  assert.deepEqual(Object.keys(steps[0].lr).sort(), ["discriminator", "generator"]);
  // 320 examples in batches of 32 = 10 batches per epoch; 2 critic batches per step: epoch 1 begins after step 5.
  assert.equal(steps[4].epoch, 1);
  assert.equal(r.options.epochLength, 5);
  const ck = await loadCheckpoint(r.checkpoint!);
  const names = [...ck.tensors.keys()];
  for (const n of ["generator.0.weight", "discriminator.2.bias", "optimizer.generator.0.weight.exp_avg", "optimizer.discriminator.step"]) assert.ok(names.includes(n), n);
  assert.equal(ck.tensors.get("optimizer.discriminator.step")!.item(), 10, "two critic updates per step");
  assert.equal(ck.tensors.get("optimizer.generator.step")!.item(), 5);
});

test("evaluation data: eval lines in metrics.jsonl and the best checkpoint by evaluation loss", async () => {
  const out = join(dir, "eval");
  const r = await train(make("test-quad"), quadData, { steps: 12, evalData: "toy:8gaussians?n=64&seed=5", evalEvery: 4, checkpointEvery: 4, out, progress: "none", sampleEvery: 0 });
  const evals = readMetrics(join(out, "metrics.jsonl")).filter((m) => m.eval);
  assert.deepEqual(evals.map((m) => m.step), [4, 8, 12]);
  assert.ok(evals.every((m) => typeof m.eval!.nll === "number"));
  const best = await loadCheckpoint(join(out, "checkpoints", "best.safetensors"));
  const bestEval = Math.min(...evals.map((m) => m.eval!.nll));
  assert.equal(best.state.best!.score, bestEval);
  assert.equal(best.state.best!.step, evals.find((m) => m.eval!.nll === bestEval)!.step);
  assert.equal(readRunConfig(out).data.eval!.spec, "toy:8gaussians?n=64&seed=5");
  assert.equal(r.status, "completed");
});

test("an aborted run stops after the current step with a checkpoint", async () => {
  const out = join(dir, "abort");
  const controller = new AbortController();
  const r = await train(make("test-quad"), quadData, {
    steps: 1000,
    out,
    progress: "none",
    signal: controller.signal,
    callback: (e) => {
      if (e.type === "step" && e.step === 7) controller.abort();
    },
  });
  assert.equal(r.status, "interrupted");
  assert.equal(r.step, 7);
  assert.equal((await loadCheckpoint(r.checkpoint!)).state.step, 7);
  assert.match(r.checkpoint!, /step-00000007\.safetensors$/);
});

test("bad options and mismatched data are refused before training", async () => {
  await assert.rejects(train(make("test-quad"), quadData, { steps: 5, epochs: 1 }), /steps or epochs, not both/);
  await assert.rejects(train(make("test-quad"), quadData, { steps: 0 }), /steps must be an integer ≥ 1/);
  await assert.rejects(train(make("test-quad"), quadData, { steps: 5, schedule: "zigzag" }), /unknown schedule 'zigzag'/);
  await assert.rejects(train(make("test-quad"), { spec: "mnist", subset: 8 }, { steps: 5 }), /examples of shape \[1, 28, 28\] but model 'test-quad' expects \[2\]/);
  await assert.rejects(train(make("test-quad"), "nosuchdata", { steps: 5 }), /unknown dataset "nosuchdata"/);
});

test("from the second step, the trainer's runtime writes the gradient into the optimizer's arena; same weights as copying it in", async () => {
  const native = nativeBackend({ threads: 1 });
  const spy = (honour: boolean, asked: number[]): Backend => ({
    name: "spy",
    async createSession(bytes) {
      const s = await native.createSession(bytes);
      return { run: (feeds, into) => (asked.push(Object.keys(into ?? {}).length), s.run(feeds, honour ? into : undefined)), release: () => s.release() };
    },
  });
  const [inPlace, copied]: number[][] = [[], []];
  const runs = [];
  for (const [honour, asked] of [[true, inPlace], [false, copied]] as const) {
    const model = make("test-quad", { init: 3 });
    await train(model, quadData, { steps: 6, out: join(dir, `in-place-${honour}`), progress: "none", backend: spy(honour, asked), optimizers: { model: { kind: "adam", lr: 0.05 } } });
    runs.push(w(model));
  }
  assert.deepEqual(runs[0], runs[1], "the same weights either way");
  assert.deepEqual(inPlace.slice(0, 6), [0, 1, 1, 1, 1, 1], "the one gradient piece written in place from step 2");
});
