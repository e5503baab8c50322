// Small pieces: the SVG chart, plain progress lines, data transforms by name, and metrics.jsonl
// readers that survive a torn last line.
import { test } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { dataTransforms, DATA_TRANSFORM_STEPS, readMetrics, toDisplayRange } from "../../src/train/index.js";
import { svgChart } from "../../src/train/report.js";
import { createProgress, formatDuration, formatValue } from "../../src/train/progress.js";
import { MetricsLog } from "../../src/train/run-dir.js";
import { scratchDir } from "./helpers/scratch.js";

const dir = scratchDir("report");

test("svgChart draws one path per series over a robust y range, and nothing without finite data", () => {
  const pts: [number, number][] = Array.from({ length: 50 }, (_, i) => [i + 1, i === 0 ? 1e6 : 10 - i / 10]);
  const svg = svgChart("loss", [
    { label: "train", color: "#111", points: pts },
    { label: "eval", color: "#222", points: [[10, 9], [20, 8]] },
  ]);
  assert.match(svg, /^<svg [^>]*aria-label="loss"/);
  assert.equal(svg.match(/<path /g)!.length, 2);
  assert.ok(!svg.includes("NaN"));
  assert.ok(!/>1\.0+e\+6</.test(svg), "an early spike does not set the axis");
  assert.equal(svgChart("empty", [{ label: "x", color: "#000", points: [[1, NaN]] }]), "");
});

test("plain progress lines: first, periodic and last, with rate, ETA and values", () => {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (d: Buffer) => (text += d.toString()));
  const p = createProgress("lines", stream as unknown as NodeJS.WriteStream, 0);
  p.start(3, 0);
  p.update(1, { loss: 1.23456, kl: 0.5 });
  p.message("checkpoint saved");
  p.update(3, { loss: 1.1 });
  p.stop();
  const lines = text.trim().split("\n");
  assert.equal(lines[0], "training: step 0/3");
  assert.match(lines[1], /^step 1\/3 \(33%\) \| .* it\/s \| ETA .* \| loss 1\.235  kl 0\.5$/);
  assert.equal(lines[2], "checkpoint saved");
  assert.match(lines[3], /^step 3\/3 \(100%\)/);
  const none = createProgress("none", stream as unknown as NodeJS.WriteStream);
  none.start(1, 0);
  none.update(1, { a: 1 });
  assert.equal(text.trim().split("\n").length, 4, "quiet prints nothing");
  assert.equal(formatValue(1234567), "1.23e+6");
  assert.equal(formatDuration(3725), "1h02m");
});

test("data transforms by name, and their inverse for display", () => {
  assert.deepEqual(dataTransforms("none"), []);
  assert.deepEqual(dataTransforms(undefined), []);
  assert.deepEqual(dataTransforms("binarize").map((t) => t.name), ["dynamicBinarize"]);
  assert.equal(dataTransforms("dequantize+logit").length, 2);
  assert.throws(() => dataTransforms("binarise"), new RegExp(`unknown data transform 'binarise'.*${DATA_TRANSFORM_STEPS.join(", ")}`));
  assert.deepEqual(Array.from(toDisplayRange("symmetric", new Float32Array([-1, 0, 1]))), [0, 0.5, 1]);
  // a tanh output just past ±1 in float32 stays inside [0, 1] for display and for .npy files
  assert.deepEqual(Array.from(toDisplayRange("symmetric", new Float32Array([-1.0000001, 1.0000001]))), [0, 1]);
  assert.deepEqual(Array.from(toDisplayRange("binarize", new Float32Array([0.25]))), [0.25]);
});

test("metrics.jsonl: a torn last line is skipped; truncation keeps steps up to the checkpoint", async () => {
  const path = join(dir, "metrics.jsonl");
  writeFileSync(path, "");
  const log = new MetricsLog(path);
  for (let s = 1; s <= 5; s++) log.append({ step: s, train: { loss: s } });
  appendFileSync(path, '{"step": 6, "train": {"lo');
  assert.deepEqual(readMetrics(path).map((r) => r.step), [1, 2, 3, 4, 5]);
  await log.truncateAfter(3);
  assert.deepEqual(readMetrics(path).map((r) => r.step), [1, 2, 3]);
  assert.deepEqual(readMetrics(join(dir, "absent.jsonl")), []);
});

test("on a terminal, a progress bar with step, rate, ETA and the latest losses", async () => {
  const stream = Object.assign(new PassThrough(), { isTTY: true, columns: 160 });
  let text = "";
  stream.on("data", (d: Buffer) => (text += d.toString()));
  const p = createProgress("auto", stream as unknown as NodeJS.WriteStream);
  p.start(10, 0);
  for (let s = 1; s <= 10; s++) {
    p.update(s, { loss: 2 / s });
    await new Promise((r) => setTimeout(r, 2));
  }
  p.message("saved checkpoint");
  p.stop();
  const plain = text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "");
  assert.match(plain, /step 10\/10 \|[█░]+\| 100% \| [\d.]+ it\/s \| ETA 0s \| loss 0\.2/);
  assert.match(plain, /saved checkpoint\n/);
});
