// One TF.js training benchmark in its own process, printing the peers' JSON line:
//   node --import tsx bench/tfjs/main.ts <id> [--steps N] [--warmup N] [--seed N]
import { initTfjs, type TfjsArch } from "./setup.js";

const args = process.argv.slice(2);
const id = args[0];
const flag = (name: string, d: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : d;
};
const steps = flag("steps", 3);
const warmup = flag("warmup", 1);
const seed = flag("seed", 0);

const info = await initTfjs();
const mod = (await import(`./${id}.js`)) as { create(seed: number): TfjsArch };
const arch = mod.create(seed);
let first: number | null = null;
for (let i = 0; i < warmup; i++) {
  const v = await arch.step();
  first ??= v;
}
const t0 = performance.now();
let last: number | null = null;
for (let i = 0; i < steps; i++) last = await arch.step();
const ms = (performance.now() - t0) / Math.max(steps, 1);
console.log(JSON.stringify({ model: id, batch: arch.batch, threads: info.threads, simd: info.simd, ms_per_step: Math.round(ms * 1000) / 1000, loss_first: first, loss_last: last }));
