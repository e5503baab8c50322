// `eikon eval --samples file.npy`: samples from any program scored with no run — mode coverage of
// 2-D points on a toy mixture (no classifier needed), FID and digit coverage of 28×28 images on
// Eikon's cached MNIST classifier (trained on first use, then loaded from ~/.cache/eikon), in every
// accepted layout and range; bad input ends in one message naming the cause and the fix, exit 2.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { mnist, toy } from "../../src/data/index.js";
import { encodeNpy } from "../../src/io/index.js";
import { Rng } from "../../src/engine/index.js";
import { scratchDir } from "../train/helpers/scratch.js";
import { eikon, eikonInProcess } from "./helpers/cli.js";

const dir = scratchDir("cli-eval-samples");
const file = (name: string) => join(dir, name);
const N_IMAGES = 200;

before(() => {
  writeFileSync(file("pts.npy"), encodeNpy(toy("25gaussians", { n: 1000, seed: 3 }).points, [1000, 2]));
  // 500 points on one mode (within 3σ of (2, −2)), then 500 far from every mode.
  const pts = new Float32Array(2000);
  const rng = new Rng(1);
  for (let i = 0; i < 500; i++) [pts[2 * i], pts[2 * i + 1]] = [2 + 0.02 * rng.normal(), -2 + 0.02 * rng.normal()];
  for (let i = 500; i < 1000; i++) [pts[2 * i], pts[2 * i + 1]] = [1, 1];
  writeFileSync(file("one-mode.npy"), encodeNpy(pts, [1000, 2]));
  const x = new Float32Array(N_IMAGES * 784);
  mnist({ split: "test" }).read(Int32Array.from({ length: N_IMAGES }, (_, i) => i), x);
  writeFileSync(file("unit-nchw.npy"), encodeNpy(x, [N_IMAGES, 1, 28, 28]));
  writeFileSync(file("sym-flat.npy"), encodeNpy(x.map((v) => 2 * v - 1), [N_IMAGES, 784]));
  writeFileSync(file("bytes.npy"), encodeNpy(Uint8Array.from(x, (v) => Math.round(255 * v)), [N_IMAGES, 28, 28]));
  writeFileSync(file("noise.npy"), encodeNpy(new Rng(0).fillUniform(new Float32Array(N_IMAGES * 784)), [N_IMAGES, 28, 28]));
  writeFileSync(file("0-255.npy"), encodeNpy(x.map((v) => 255 * v), [N_IMAGES, 28, 28]));
  const nan = x.slice();
  nan[784 * 7 + 100] = NaN;
  writeFileSync(file("nan.npy"), encodeNpy(nan, [N_IMAGES, 28, 28]));
  writeFileSync(file("wrong.npy"), encodeNpy(new Float32Array(30), [10, 3]));
  writeFileSync(file("not-npy.npy"), "hello, this is a text file and not an array at all; padding padding padding padding");
});

const json = async (args: string[]) => {
  const r = await eikonInProcess([...args, "--json"]);
  assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
  return JSON.parse(r.stdout) as { n: number; range: string; shape: number[]; results: { metric: string; value: number; n: number; details: Record<string, number> }[] };
};

test("eikon eval --samples: mode coverage of 2-D points on a toy mixture (modes is an alias), as a process", async () => {
  const r = await eikon(["eval", "--samples", file("pts.npy"), "--metric", "mode-coverage", "--data", "toy:25gaussians"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^samples .*pts\.npy: 1000 samples, shape \(1000, 2\), 2-D points, modes of toy:25gaussians\n/);
  assert.match(r.stdout, /^mode-coverage +25 +modes of 25 +1000 +modes=25 totalModes=25 highQualityFraction=0\.9\d+ klToUniform=/m);

  const alias = await json(["eval", "--samples", file("pts.npy"), "--metric", "modes", "--data", "toy:25gaussians"]);
  assert.equal(alias.results[0].metric, "modes");
  assert.equal(alias.results[0].value, 25);
  const one = await json(["eval", "--samples", file("one-mode.npy"), "--metric", "modes", "--data", "toy:25gaussians"]);
  assert.equal(one.results[0].value, 1);
  assert.equal(one.results[0].details.highQualityFraction, 0.5);
  assert.ok(Math.abs(one.results[0].details.klToUniform - Math.log(25)) < 1e-9);
  const first = await json(["eval", "--samples", file("one-mode.npy"), "--metric", "modes", "--data", "toy:25gaussians", "--n", "400"]);
  assert.equal(first.n, 400);
  assert.equal(first.results[0].details.highQualityFraction, 1, "--n takes the first n samples");
});

test("eikon eval --samples: fid and digits of MNIST images, the same in every layout and range", { timeout: 600_000 }, async () => {
  const unit = await json(["eval", "--samples", file("unit-nchw.npy"), "--metric", "fid,digits"]);
  assert.equal(unit.range, "unit");
  const [f, d] = unit.results;
  assert.equal(f.metric, "fid");
  assert.equal(f.n, N_IMAGES);
  assert.ok(f.value < 100, `FID of ${N_IMAGES} test images ${f.value}`);
  assert.equal(d.value, 10, "real digits cover all ten");
  const sym = await json(["eval", "--samples", file("sym-flat.npy"), "--metric", "fid,digits"]);
  assert.equal(sym.range, "symmetric", "negative values mean [−1, 1]");
  assert.ok(Math.abs(sym.results[0].value - f.value) < 1e-3 * (1 + f.value), `${sym.results[0].value} vs ${f.value}`);
  assert.deepEqual(sym.results[1].details, d.details);
  const bytes = await json(["eval", "--samples", file("bytes.npy"), "--metric", "fid"]);
  assert.ok(Math.abs(bytes.results[0].value - f.value) < 1e-2 * (1 + f.value), `uint8 ${bytes.results[0].value} vs ${f.value}`);
  const noise = await json(["eval", "--samples", file("noise.npy"), "--metric", "fid"]);
  assert.ok(noise.results[0].value > 300, `FID of noise ${noise.results[0].value}`);
  const forced = await json(["eval", "--samples", file("unit-nchw.npy"), "--metric", "fid", "--range", "symmetric"]);
  assert.equal(forced.range, "symmetric", "--range overrides the inference");
  assert.ok(forced.results[0].value > f.value + 1, "read as [−1, 1], [0, 1] images are washed out");
});

test("eikon eval --samples: bad input ends in one message naming the cause and the fix, exit 2", async () => {
  const usage = async (args: string[], message: RegExp) => {
    const r = await eikonInProcess(["eval", ...args]);
    assert.equal(r.code, 2, `${args.join(" ")}: exit ${r.code}\n${r.stderr}`);
    assert.match(r.stderr, message, args.join(" "));
    assert.equal(r.stderr.trim().split("\n").filter((l) => !l.startsWith("(add --help")).length, 1, `one message: ${r.stderr}`);
    assert.equal(r.stdout, "");
  };
  await usage(["--samples", file("missing.npy"), "--metric", "fid"], /^eikon: error: samples file '.*missing\.npy' not found; pass a \.npy file written by numpy\.save/);
  await usage(["--samples", dir, "--metric", "fid"], /is not a file; pass a \.npy file/);
  await usage(["--samples", file("not-npy.npy"), "--metric", "fid"], /not-npy\.npy: not a \.npy file .*numpy\.save/);
  await usage(["--samples", file("wrong.npy"), "--metric", "fid"], /wrong\.npy holds an array of shape \(10, 3\); --samples takes 28×28 images \(N, 1, 28, 28\), \(N, 28, 28\) or \(N, 784\) for fid and digits, or 2-D points \(N, 2\) for mode-coverage/);
  await usage(["--samples", file("nan.npy"), "--metric", "digits"], /nan\.npy: value 5588 \(sample 7\) is NaN; samples must be finite — drop or replace/);
  await usage(["--samples", file("0-255.npy"), "--metric", "fid"], /values span \[0, 255\]; images must be in \[0, 1\] or \[−1, 1\] \(or uint8 0–255\) — rescale them/);
  await usage(["--samples", file("pts.npy"), "--metric", "fid"], /metric 'fid' scores 28×28 images .* but .*pts\.npy holds 2-D points \(1000, 2\); for points use --metric mode-coverage --data toy:25gaussians/);
  await usage(["--samples", file("unit-nchw.npy"), "--metric", "modes", "--data", "toy:25gaussians"], /metric 'modes' scores 2-D points \(N, 2\), but .* holds images \(200, 1, 28, 28\); for images use --metric fid or digits/);
  await usage(["--samples", file("pts.npy"), "--metric", "mode-coverage"], /needs the mixture whose modes to count: add --data toy:25gaussians \(or toy:8gaussians\)/);
  await usage(["--samples", file("pts.npy"), "--metric", "modes", "--data", "toy:moons"], /--data toy:moons is not a toy Gaussian mixture/);
  await usage(["--samples", file("unit-nchw.npy"), "--metric", "fid", "--data", "mnist"], /--data with --samples names the toy mixture for mode-coverage; fid compares with the MNIST test set — drop --data/);
  await usage(["--samples", file("unit-nchw.npy"), "--metric", "iwae"], /metric 'iwae' needs a trained run .*; a samples file can be scored with fid, digits, mode-coverage \(or modes\)/);
  await usage(["--samples", file("unit-nchw.npy"), "--metric", "sharpness"], /unknown metric 'sharpness' for --samples; use fid, digits, mode-coverage \(or modes\)/);
  await usage(["--samples", file("unit-nchw.npy"), "--metric", "fid", "--n", "500"], /--n 500, but .* holds only 200 samples/);
  await usage(["--samples", file("unit-nchw.npy"), "--metric", "fid", "--n", "1"], /metric 'fid' needs at least 2 samples/);
  await usage(["--samples", file("pts.npy"), "--metric", "modes", "--data", "toy:25gaussians", "--range", "unit"], /--range applies to images/);
  await usage(["--samples", file("unit-nchw.npy"), "--metric", "fid", "--subset", "5"], /--subset applies to evaluation data of a run; with --samples use --n/);
  await usage(["--samples", file("unit-nchw.npy"), "--metric", "fid", "--range", "wide"], /^error: option '--range <range>' argument 'wide' is invalid\. Allowed choices are auto, unit, symmetric\./);
  await usage(["some-run", "--samples", file("unit-nchw.npy"), "--metric", "fid"], /give a run directory or --samples <file>, not both/);
  await usage(["--metric", "fid"], /^eikon: error: missing run directory: eikon eval <run> --metric <names>, or score a samples file with eikon eval --samples <file\.npy> --metric <names>/);
});

test("eikon eval --help describes both forms", async () => {
  const r = await eikonInProcess(["eval", "--help"]);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /Usage: eikon eval \[options\] \[run\]/);
  assert.match(r.stdout, /--samples <file> +score a \.npy file of samples instead of a run/);
  assert.match(r.stdout, /--range <range>/);
});
