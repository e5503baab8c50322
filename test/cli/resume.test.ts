// Crash safety end to end: training 2N steps in one go, and training that is SIGKILLed right after
// its step-N checkpoint and then resumed with `eikon train --resume`, log identical losses at every step.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { readMetrics } from "../../src/train/index.js";
import { scratchDir } from "../train/helpers/scratch.js";
import { eikon, KILL_AT, REGISTER_TEST_FAMILIES } from "./helpers/cli.js";

test("train 2N ≡ train N, SIGKILL, resume N: identical losses at every step", async () => {
  const dir = scratchDir("resume");
  const a = join(dir, "a"), b = join(dir, "b");
  const N = 6;
  const args = ["train", "test-vae", "--subset", "96", "--batch", "16", "--steps", String(2 * N), "--checkpoint-every", String(N), "--log-every", "1", "--sample-every", "0", "--quiet"];
  const preload = [REGISTER_TEST_FAMILIES, KILL_AT];
  const [full, killed] = await Promise.all([
    eikon([...args, "--out", a], { preload }),
    eikon([...args, "--out", b], { preload, env: { EIKON_TEST_KILL_AT_STEP: String(N) } }),
  ]);
  assert.equal(full.code, 0, full.stderr);
  assert.equal(killed.signal, "SIGKILL", `the child should die by SIGKILL: ${killed.code} ${killed.stderr}`);
  assert.deepEqual(readMetrics(join(b, "metrics.jsonl")).map((m) => m.step), Array.from({ length: N }, (_, i) => i + 1));

  const resumed = await eikon(["train", "--resume", b, "--quiet"], { preload });
  assert.equal(resumed.code, 0, resumed.stderr);
  const la = readMetrics(join(a, "metrics.jsonl"));
  const lb = readMetrics(join(b, "metrics.jsonl"));
  assert.equal(la.length, 2 * N);
  assert.deepEqual(lb.map((m) => m.step), la.map((m) => m.step));
  for (let i = 0; i < la.length; i++) assert.deepEqual(lb[i].train, la[i].train, `step ${la[i].step}`);
  assert.deepEqual(readdirSync(join(b, "checkpoints")).filter((f) => f.startsWith(".")), [], "no temp files left behind");
});
