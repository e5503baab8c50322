// What a user sees when something is wrong: unknown flags, bad values, unknown models, datasets
// and metrics, bad config files and paths all end in one message and exit code 2 (checked
// in-process through runCli; the spawned tests check real exit codes). A run that hits a NaN exits 1
// leaving only whole files; Ctrl-C saves a checkpoint and exits 130.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import "../train/helpers/register.js";
import { listCheckpoints, loadCheckpoint, readMetrics } from "../../src/train/index.js";
import { scratchDir } from "../train/helpers/scratch.js";
import { eikon, eikonInProcess, REGISTER_TEST_FAMILIES } from "./helpers/cli.js";

const dir = scratchDir("cli-errors");
const quadRun = join(dir, "quad");

before(async () => {
  const r = await eikonInProcess(["train", "test-quad", "--steps", "3", "--out", quadRun, "--quiet"]);
  assert.equal(r.code, 0, r.stderr);
});

const usage = async (args: string[], message: RegExp) => {
  const r = await eikonInProcess(args);
  assert.equal(r.code, 2, `${args.join(" ")}: exit ${r.code}\n${r.stderr}`);
  assert.match(r.stderr, message, args.join(" "));
  assert.equal(r.stderr.trim().split("\n").filter((l) => !l.startsWith("(add --help")).length, 1, `one message: ${r.stderr}`);
};

test("bad flags and values exit 2 with commander's message", async () => {
  await usage(["train", "test-quad", "--bogus"], /^error: unknown option '--bogus'/);
  await usage(["train", "test-quad", "--steps", "abc"], /^error: option '--steps <n>' argument 'abc' is invalid\. expected a positive integer\./);
  await usage(["train", "test-quad", "--lr", "-1"], /argument '-1' is invalid\. expected a positive number\./);
  await usage(["train", "test-quad", "--steps", "5", "--epochs", "2"], /^error: option '--epochs <n>' cannot be used with option '--steps <n>'/);
  await usage(["train", "test-quad", "--on-nan", "maybe"], /^error: option '--on-nan <mode>' argument 'maybe' is invalid\. Allowed choices are stop, rollback\./);
  await usage(["export", quadRun], /^error: required option '--onnx <file>' not specified/);
  await usage(["export", quadRun, "--onnx", join(dir, "x.onnx"), "--part", "wheel"], /Allowed choices are decoder, generator, density, encoder/);
  await usage(["sample", quadRun, "--out", "x.jpg"], /argument 'x\.jpg' is invalid\. expected a \.png file name\./);
  await usage(["eval", quadRun], /^error: required option '--metric <names>' not specified/);
  await usage(["frobnicate"], /^error: unknown command 'frobnicate'/);
  await usage(["--threads", "0", "list"], /^error: option '--threads <n>' argument '0' is invalid\. expected a positive integer\./);
  await usage(["sample"], /^error: missing required argument 'run'/);
});

test("unknown models, datasets, metrics and config keys exit 2 naming the valid ones; nothing is written", async () => {
  const out = join(dir, "never");
  await usage(["train", "nope", "--out", out], /^eikon: error: unknown model 'nope'; known models: .*test-gan, test-quad, test-vae/);
  await usage(["train", "test-quad", "--data", "nosuch", "--out", out], /^eikon: error: unknown dataset "nosuch"; valid names: mnist, .*toy:8gaussians/);
  await usage(["train", "test-quad", "--data", "mnist", "--subset", "8", "--out", out], /examples of shape \[1, 28, 28\] but model 'test-quad' expects \[2\]/);
  await usage(["train", "test-quad", "--schedule", "zigzag", "--out", out], /unknown schedule 'zigzag'; forms: constant, cosine/);
  assert.ok(!existsSync(out), "a refused run leaves no directory");
  await usage(["train"], /^eikon: error: missing model name: eikon train <model>/);
  await usage(["eval", quadRun, "--metric", "nope"], /^eikon: error: unknown metric 'nope'; known metrics: /);
  await usage(["eval", quadRun, "--metric", "elbo"], /^eikon: error: metric 'elbo' is not available for model 'test-quad': it has no 'elbo' query/);
  await usage(["export", quadRun, "--onnx", join(dir, "e.onnx"), "--part", "encoder"], /^eikon: error: model 'test-quad' has no encoder/);
  assert.ok(!existsSync(join(dir, "e.onnx")));

  const cfg = join(dir, "bad.json");
  writeFileSync(cfg, JSON.stringify({ init: 1, bogus: 2 }));
  await usage(["train", "test-quad", "--config", cfg], /^eikon: error: config file '.*bad\.json': unknown key 'bogus' for model 'test-quad'; valid keys: init, explodeAbove, nanGrad, infMetricFrom/);
  writeFileSync(cfg, "{ not json");
  await usage(["train", "test-quad", "--config", cfg], /^eikon: error: config file '.*bad\.json' is not valid JSON/);
  await usage(["train", "test-quad", "--config", join(dir, "absent.json")], /^eikon: error: config file '.*absent\.json' does not exist/);
});

test("bad run paths exit 2: missing, not a run, resumed with fixed flags", async () => {
  const missing = join(dir, "no-such-run");
  for (const args of [["sample", missing], ["eval", missing, "--metric", "nll"], ["export", missing, "--onnx", join(dir, "m.onnx")], ["report", missing], ["train", "--resume", missing]]) {
    await usage(args, /^eikon: error: run directory '.*no-such-run' does not exist/);
  }
  const empty = join(dir, "empty");
  mkdirSync(empty);
  await usage(["sample", empty], /^eikon: error: '.*empty' is not a run directory: it has no config\.json/);
  await usage(["train", "--resume", quadRun, "--data", "mnist", "--lr", "0.1"], /^eikon: error: --resume continues a run with the settings in its config\.json; drop --data, --lr/);
  await usage(["train", "test-vae", "--resume", quadRun], /^eikon: error: run '.*quad' trained model 'test-quad', not 'test-vae'/);
  await usage(["train", "test-quad", "--out", quadRun], /already holds a run \(config\.json exists\); resume it with --resume/);
});

test("help on every command exits 0", async () => {
  for (const cmd of ["train", "sample", "eval", "export", "list", "report"]) {
    const r = await eikonInProcess([cmd, "--help"]);
    assert.equal(r.code, 0, cmd);
    assert.match(r.stdout, new RegExp(`^Usage: eikon ${cmd} `), cmd);
  }
  const top = await eikonInProcess([]);
  assert.equal(top.code, 0);
  assert.match(top.stdout, /^Usage: eikon \[options\] \[command\][\s\S]*train[\s\S]*sample[\s\S]*eval[\s\S]*export[\s\S]*list[\s\S]*report/);
  assert.match((await eikonInProcess(["--version"])).stdout, /^\d+\.\d+\.\d+/);
});

test("a NaN stops the run with exit 1 naming the step and loss, leaving whole files; --on-nan rollback then finishes it", async () => {
  const out = join(dir, "nan");
  const cfg = join(dir, "explode.json");
  writeFileSync(cfg, JSON.stringify({ explodeAbove: 10 }));
  const r = await eikonInProcess(["train", "test-quad", "--config", cfg, "--lr", "2.5", "--steps", "40", "--checkpoint-every", "2", "--out", out, "--quiet"]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^eikon: training stopped: step \d+: loss 'nll' is NaN; lower the learning rate \(--lr\) or pass --on-nan rollback; the last good checkpoint is .*step-\d+\.safetensors \(step \d+\)\n$/);
  const failing = Number(/step (\d+): loss/.exec(r.stderr)![1]);
  for (const sub of ["checkpoints", "samples", "."]) assert.deepEqual(readdirSync(join(out, sub)).filter((f) => f.includes(".tmp-")), [], `no temp files in ${sub}`);
  const last = listCheckpoints(join(out, "checkpoints")).at(-1)!;
  assert.ok(last.step < failing);
  assert.equal((await loadCheckpoint(last.path)).state.step, last.step, "the last checkpoint is whole");

  const resumed = await eikonInProcess(["train", "--resume", out, "--on-nan", "rollback", "--quiet"]);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal(readMetrics(join(out, "metrics.jsonl")).at(-1)!.step, 40);
});

test("Ctrl-C saves a checkpoint at the current step and exits 130", async () => {
  const out = join(dir, "sigint");
  let sent = false;
  const r = await eikon(["train", "test-quad", "--steps", "1000000", "--checkpoint-every", "1000000", "--out", out], {
    preload: [REGISTER_TEST_FAMILIES],
    onStderr: (text, child) => {
      if (!sent && /^step \d+\/1000000/m.test(text)) {
        sent = true;
        child.kill("SIGINT");
      }
    },
  });
  assert.equal(r.code, 130, r.stderr);
  assert.match(r.stderr, /interrupted: finishing the current step and saving a checkpoint/);
  const m = /^interrupted at step (\d+); checkpoint (.*)\ncontinue with: eikon train --resume .*sigint\n$/.exec(r.stdout);
  assert.ok(m, r.stdout);
  const ck = await loadCheckpoint(m[2]);
  assert.equal(ck.state.step, Number(m[1]));
  assert.ok(Number(m[1]) >= 1);
  assert.ok(existsSync(join(out, "report.html")));
  assert.ok(!existsSync(join(out, ".lock")));
});

test("eval's default data: the held-out split of the run's training data, where the dataset has one", async () => {
  const { heldOutSpec } = await import("../../src/cli/eval.js");
  const { parseDatasetSpec } = await import("../../src/data/index.js");
  const h = (s: string) => heldOutSpec(s, parseDatasetSpec);
  assert.equal(h("mnist"), "mnist:test");
  assert.equal(h("mnist:test"), null);
  assert.equal(h("idx:./fashion?prefix=t"), "idx:./fashion?prefix=t&split=test");
  assert.equal(h("toy:moons?n=500"), "toy:moons?n=500&seed=1");
  assert.equal(h("npy:x.npy"), null);
});
