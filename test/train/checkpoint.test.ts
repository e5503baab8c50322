// Checkpoint files: round trip of tensors and state, pruning to the last K, skipping a damaged
// newest file, removing temp files of dead writers, and clear errors for foreign files.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Tensor } from "../../src/engine/index.js";
import { saveSafetensors } from "../../src/io/index.js";
import {
  bestCheckpointPath,
  CHECKPOINT_FORMAT,
  checkpointPath,
  listCheckpoints,
  loadCheckpoint,
  loadLatestCheckpoint,
  pruneCheckpoints,
  removeStaleTemps,
  saveCheckpoint,
  type CheckpointState,
} from "../../src/train/checkpoint.js";
import { scratchDir } from "./helpers/scratch.js";

const dir = scratchDir("checkpoint");

const state = (step: number): CheckpointState => ({
  format: CHECKPOINT_FORMAT,
  step,
  epoch: 1,
  family: "test-quad",
  config: { init: 3 },
  rng: { s: [1, 2, 3, 4], spare: 0.25 },
  iterator: { epoch: 1, index: 2, rng: { s: [5, 6, 7, 8], spare: null }, transformRng: { s: [9, 10, 11, 12], spare: null }, n: 100, batchSize: 10 },
  lrScale: 0.5,
  elapsed: 12.5,
  best: { score: 1.5, metric: "loss", step },
});

const tensors = () =>
  new Map([
    ["model.w", new Tensor([2, 2], "float32", new Float32Array([1, 2, 3, 4]))],
    ["optimizer.model.step", new Tensor([], "float32", new Float32Array([7]))],
  ]);

test("a checkpoint round-trips its tensors and state; several paths get the same bytes", async () => {
  const a = checkpointPath(dir, 5), b = bestCheckpointPath(dir);
  await saveCheckpoint([a, b], tensors(), state(5));
  for (const p of [a, b]) {
    const ck = await loadCheckpoint(p);
    assert.deepEqual(ck.state, state(5));
    assert.deepEqual([...ck.tensors.keys()], ["model.w", "optimizer.model.step"]);
    assert.deepEqual(Array.from(ck.tensors.get("model.w")!.values()), [1, 2, 3, 4]);
    assert.deepEqual(ck.tensors.get("model.w")!.shape, [2, 2]);
  }
  assert.match(a, /step-00000005\.safetensors$/);
});

test("pruning keeps the newest K step checkpoints and the best", async () => {
  const d = join(dir, "prune");
  mkdirSync(d);
  for (const s of [0, 10, 20, 30, 40]) await saveCheckpoint(checkpointPath(d, s), tensors(), state(s));
  await saveCheckpoint(bestCheckpointPath(d), tensors(), state(10));
  pruneCheckpoints(d, 2);
  assert.deepEqual(listCheckpoints(d).map((c) => c.step), [30, 40]);
  assert.ok(existsSync(bestCheckpointPath(d)));
});

test("the newest readable checkpoint wins; a damaged one is skipped with its reason", async () => {
  const d = join(dir, "damaged");
  mkdirSync(d);
  await saveCheckpoint(checkpointPath(d, 1), tensors(), state(1));
  await saveCheckpoint(checkpointPath(d, 2), tensors(), state(2));
  truncateSync(checkpointPath(d, 2), 100);
  const skipped: string[] = [];
  const ck = await loadLatestCheckpoint(d, (p, why) => skipped.push(`${p}: ${why}`));
  assert.equal(ck!.state.step, 1);
  assert.equal(skipped.length, 1);
  assert.match(skipped[0], /step-00000002\.safetensors: .*truncated/);
  assert.equal(await loadLatestCheckpoint(join(dir, "none")), null);
});

test("a safetensors file that is not an Eikon checkpoint is refused by name", async () => {
  const p = join(dir, "plain.safetensors");
  await saveSafetensors(p, { w: { dtype: "float32", shape: [1], data: new Float32Array([1]) } });
  await assert.rejects(loadCheckpoint(p), /plain\.safetensors: not an Eikon checkpoint/);
});

test("temp files of writers that died are removed; a live writer's are kept", () => {
  const d = join(dir, "temps");
  mkdirSync(d);
  const dead = join(d, ".step-00000001.safetensors.tmp-999999999-abcdef");
  const live = join(d, `.step-00000002.safetensors.tmp-${process.pid}-abcdef`);
  writeFileSync(dead, "x");
  writeFileSync(live, "x");
  removeStaleTemps(d);
  assert.deepEqual(readdirSync(d), [live.slice(d.length + 1)]);
});
