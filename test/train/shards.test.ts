// The trainer with shards: a VAE (noise per example) trained with its batch in two worker shards
// follows the unsharded run step for step; models whose training updates buffers are refused before
// anything is written, from the library and from `eikon train --shards`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import "./helpers/register.js";
import { Rng } from "../../src/engine/index.js";
import { findFamily, type GenerativeModel } from "../../src/models/index.js";
import { train, TrainSetupError, type TrainEvent } from "../../src/train/index.js";
import { eikon } from "../cli/helpers/cli.js";
import { scratchDir } from "./helpers/scratch.js";

const dir = scratchDir("shards");
const vae = (): GenerativeModel => findFamily("vae").create({ hidden: [32], latent: 4, iwaeSamples: 2, diagnostics: false }, new Rng(0));

async function losses(shards: number): Promise<number[]> {
  const seen: number[] = [];
  const callback = (e: TrainEvent) => {
    if (e.type === "step") seen.push(e.values.loss);
  };
  await train(vae(), { spec: "mnist", subset: 128 }, { steps: 4, batchSize: 32, seed: 3, progress: "none", shards, callback });
  return seen;
}

test("a VAE trained in two shards follows the unsharded run", async () => {
  const whole = await losses(1);
  const split = await losses(2);
  assert.equal(split.length, 4);
  whole.forEach((l, i) => assert.ok(Math.abs(split[i] - l) <= 1e-4 * Math.abs(l), `step ${i + 1}: ${split[i]} vs ${l}`));
  assert.ok(whole[3] !== whole[0], "the steps move");
});

test("shards are refused for a model that updates buffers in training, before the run directory exists", async () => {
  const gan = findFamily("gan-toy").create({ hidden: [8], gBatchNorm: true }, new Rng(0));
  const out = join(dir, "bn");
  await assert.rejects(
    train(gan, { spec: "toy:8gaussians?n=256" }, { steps: 2, batchSize: 32, out, progress: "none", shards: 2 }),
    (e: unknown) => e instanceof TrainSetupError && /shards = 2: objective '.*' of model 'gan-toy' updates buffers in training .* train it without shards/.test((e as Error).message),
  );
  assert.ok(!existsSync(out), "no run directory");
  await assert.rejects(train(vae(), { spec: "mnist", subset: 64 }, { steps: 1, batchSize: 1, progress: "none", shards: 2 }), /a batch of 1 cannot be split into 2 shards/);
  const cli = await eikon(["train", "gan-toy", "--config", writeConfig(), "--data", "toy:8gaussians?n=256", "--steps", "2", "--shards", "2", "--out", join(dir, "cli-bn")]);
  assert.equal(cli.code, 2, cli.stderr);
  assert.match(cli.stderr, /shards = 2: .*updates buffers in training/);
  assert.ok(!existsSync(join(dir, "cli-bn")));
});

function writeConfig(): string {
  const p = join(dir, "bn.json");
  writeFileSync(p, JSON.stringify({ hidden: [8], gBatchNorm: true }));
  return p;
}
