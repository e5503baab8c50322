// npm run bench — Eikon's training steps next to the PyTorch peers and TF.js (wasm), in one run.
//
//   npm run bench -- [--only id,...] [--steps N] [--no-tfjs] [--no-torch] [--no-sampling]
//                    [--tfjs-steps N] [--seed N] [--rounds N] [--out DIR] [--default-malloc]
//
// Every figure that matters is a ratio of times taken side by side in this run (the machine is
// shared and noisy). For each architecture, Eikon is timed at 1 and 2 ONNX Runtime threads (and, for
// the architectures in SHARDABLE, as 2 data-parallel shards of one thread each: trainStep's
// `shards`) in --rounds blocks (default 2), and the PyTorch peer at --threads 1 and 2 after each Eikon block
// (each side's best kept); TF.js runs the same step on its wasm backend. The table goes to stdout and the
// same as JSON to bench/results/<date>.json. See ../shared/BENCHMARKS.md and bench/NOTES.md.
// Every side runs under a tuned C allocator (lib/allocator.ts; --default-malloc: glibc's defaults).
import { cpus, loadavg, totalmem } from "node:os";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { nativeBackend } from "../src/engine/index.js";
import { countMacs, type FlopCount } from "./flops.js";
import { eikonMatmulPeak, torchMatmulPeak } from "./peak.js";
import { samplingBench, type SamplingResult } from "./sampling.js";
import { ensureAllocator } from "./lib/allocator.js";
import { REPO, findOpenBlas, isReferenceBlas, runTfjs, runTorchPeer, systemBlas, type RunResult } from "./lib/peers.js";
import type { EikonArch, PeerResult } from "./lib/types.js";

const ARCHS = ["vae-mlp", "dcgan-mnist", "wgangp-toy", "realnvp-mlp", "pixelcnn"] as const;
/** Architectures whose FLOPs are (nearly) all in matmuls: the ≥ 50 % of peak target applies. */
const MLP = new Set(["vae-mlp", "realnvp-mlp", "wgangp-toy"]);

/** Timed steps (Eikon and PyTorch) and warm-up steps per architecture: ~2–3 s of Eikon time each on an idle machine.
 *  At least 3 warm-up steps (both sides): with one, ONNX Runtime's slow second run (before the engine turned
 *  its memory pattern off: pixelcnn 1.3 s, then 0.3 s a step) fell into the timed block (bench/NOTES.md, session 5). */
const DEFAULTS: Record<string, { steps: number; warmup: number; tfjsSteps: number }> = {
  "vae-mlp": { steps: 30, warmup: 5, tfjsSteps: 2 },
  "dcgan-mnist": { steps: 8, warmup: 3, tfjsSteps: 1 },
  "wgangp-toy": { steps: 6, warmup: 3, tfjsSteps: 1 },
  "realnvp-mlp": { steps: 10, warmup: 3, tfjsSteps: 1 },
  pixelcnn: { steps: 8, warmup: 3, tfjsSteps: 1 },
};
const THREADS = [1, 2];
/** Untimed steps before every timed block. */
const REWARM_STEPS = 2;
/**
 * Steps timed also with 2 one-thread worker shards: trainStep's `shards` (a mean loss, no buffer
 * updates), and dcgan-mnist's split schedule (D's work in shards, G's batch-norm parts on the main thread).
 */
const SHARDABLE = new Set(["vae-mlp", "dcgan-mnist", "realnvp-mlp", "pixelcnn"]);
/** "2t": one session with 2 op threads; "2×1t": 2 shards in worker sessions of one thread each. */
const configLabel = (c: { threads: number; shards: number }) => (c.shards > 1 ? `${c.shards}×${c.threads}t` : `${c.threads}t`);

// ── flags ──────────────────────────────────────────────────────────────────
function parseFlags(argv: string[]) {
  const f = { only: [...ARCHS] as string[], steps: null as number | null, tfjs: true, torch: true, sampling: true, tfjsSteps: null as number | null, seed: 0, rounds: 2, out: join(REPO, "bench/results"), defaultMalloc: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) fail(`${a} needs a value`);
      return v;
    };
    const int = (name: string, v: string) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) fail(`${name} must be a positive integer, got '${v}'`);
      return n;
    };
    if (a === "--only") {
      f.only = value().split(",").map((s) => s.trim()).filter(Boolean);
      const bad = f.only.filter((id) => !(ARCHS as readonly string[]).includes(id));
      if (bad.length) fail(`unknown architecture ${bad.join(", ")}; known: ${ARCHS.join(", ")}`);
    } else if (a === "--steps") f.steps = int("--steps", value());
    else if (a === "--tfjs-steps") f.tfjsSteps = int("--tfjs-steps", value());
    else if (a === "--seed") f.seed = Number(value());
    else if (a === "--rounds") f.rounds = int("--rounds", value());
    else if (a === "--out") f.out = value();
    else if (a === "--no-tfjs") f.tfjs = false;
    else if (a === "--no-torch") f.torch = false;
    else if (a === "--no-sampling") f.sampling = false;
    else if (a === "--default-malloc") f.defaultMalloc = true;
    else if (a === "--help" || a === "-h") {
      console.log(readFileSync(new URL(import.meta.url), "utf8").split("\n").slice(0, 12).join("\n"));
      process.exit(0);
    } else fail(`unknown flag ${a} (try --help)`);
  }
  return f;
}
function fail(msg: string): never {
  console.error(`bench: ${msg}`);
  process.exit(2);
}

// ── measurement ────────────────────────────────────────────────────────────
interface Block {
  threads: number;
  /** Data-parallel shards (1: none). */
  shards: number;
  ms: number;
  /** Inside session.run, per step. */
  runMs: number;
  /** Everything else per step but the host optimizer update: packing, noise, feeds, output wrapping, JS. */
  hostMs: number;
  /** compiled.stats.totalMs − runMs per step (the compile wrapper's own share of hostMs). */
  wrapperMs: number;
  /** The fused host-side optimizer update per step (src/optim/host; 0 when the update is in the graph). */
  updateMs: number;
}

interface EikonSide {
  threads: number;
  shards: number;
  ms: number;
  runMs: number;
  hostMs: number;
  wrapperMs: number;
  updateMs: number;
  blocks: Block[];
  compileMs: number;
  losses: number[];
  flops: FlopCount & { parts: { name: string; callsPerStep: number; macs: number; nodes: number }[] };
}

const sumStats = (a: EikonArch, key: "runMs" | "totalMs") => a.parts.reduce((s, p) => s + (p.stats ?? p.compiled.stats)[key], 0);

async function timeBlock(a: EikonArch, threads: number, shards: number, steps: number, losses: number[]): Promise<Block> {
  // untimed steps first: while the peers ran, this instance sat idle long enough for the machine's
  // proactive reclaim (DAMON pageout after ~6 s unused) to drop its pages (bench/NOTES.md, session 5)
  for (let i = 0; i < REWARM_STEPS; i++) losses.push(await a.step());
  const run0 = sumStats(a, "runMs");
  const tot0 = sumStats(a, "totalMs");
  const upd0 = a.updateMs?.() ?? 0;
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) losses.push(await a.step());
  const ms = (performance.now() - t0) / steps;
  const runMs = (sumStats(a, "runMs") - run0) / steps;
  const wrapperMs = (sumStats(a, "totalMs") - tot0) / steps - runMs;
  const updateMs = ((a.updateMs?.() ?? 0) - upd0) / steps;
  return { threads, shards, ms, runMs, hostMs: ms - runMs - updateMs, wrapperMs, updateMs };
}

const best = <T extends { ms: number }>(xs: T[]): T => xs.reduce((a, b) => (b.ms < a.ms ? b : a));

interface Row {
  id: string;
  batch: number;
  eikon: EikonSide;
  torch: { best: PeerResult | null; runs: (PeerResult & { blas: string })[]; errors: string[] };
  tfjs: { result: PeerResult | null; error?: string };
  /** Best GFLOP/s of ORT's 1024² matmul sampled next to this row's timed blocks (1 and 2 threads). */
  peakGflops: number;
}

async function benchArch(id: string, flags: ReturnType<typeof parseFlags>, blasDir: string | null, blasLabel: string): Promise<Row> {
  const d = DEFAULTS[id];
  const steps = flags.steps ?? d.steps;
  const { create } = (await import(`./archs/${id}.js`)) as { create(o: { seed: number; backend?: ReturnType<typeof nativeBackend>; shards?: number }): EikonArch };
  const insts = THREADS.map((threads) => ({ threads, shards: 1, arch: create({ seed: flags.seed, backend: nativeBackend({ threads }) }), losses: [] as number[] }));
  if (SHARDABLE.has(id)) insts.push({ threads: 1, shards: 2, arch: create({ seed: flags.seed, shards: 2 }), losses: [] as number[] });
  // warm-up (the first step compiles)
  for (const i of insts) for (let k = 0; k < d.warmup; k++) i.losses.push(await i.arch.step());
  const compileMs = insts[THREADS.length - 1].arch.parts.reduce((s, p) => s + p.compiled.stats.compileMs, 0);
  log(`  eikon: compiled in ${compileMs.toFixed(0)} ms; timing ${steps} steps as ${insts.map(configLabel).join(", ")}`);
  const blocks: Block[] = [];
  // the matmul peak is sampled next to every timed block: the best sample is the machine's peak
  const peaks: number[] = [];
  const samplePeak = async () => peaks.push(await eikonMatmulPeak(1, 3), await eikonMatmulPeak(2, 3));
  const torchRuns: (PeerResult & { blas: string })[] = [];
  const torchErrors: string[] = [];
  // the peer gets as many tries as Eikon: a round at each thread count after each Eikon block (best kept)
  const torchRound = async () => {
    if (!flags.torch) return;
    for (const threads of THREADS) {
      const r: RunResult = await runTorchPeer(id, { threads, steps, warmup: d.warmup, seed: flags.seed, blasDir, timeoutMs: 600_000 });
      if (r.json) torchRuns.push({ ...r.json, blas: blasLabel });
      else torchErrors.push(`threads ${threads}: ${r.error}`);
      log(`  pytorch --threads ${threads}: ${r.json ? `${r.json.ms_per_step.toFixed(1)} ms/step` : r.error}`);
    }
  };
  // rounds of (Eikon blocks, peer round): each side's best counts (the machine's speed drifts by ±40 %
  // within minutes, bench/NOTES.md session 5; more rounds give both sides more chances at a quiet minute)
  for (let round = 0; round < flags.rounds; round++) {
    await samplePeak();
    for (const i of insts) blocks.push(await timeBlock(i.arch, i.threads, i.shards, steps, i.losses));
    await torchRound();
  }
  await samplePeak();
  const b = best(blocks);
  const chosen = insts.find((i) => i.threads === b.threads && i.shards === b.shards)!;
  log(`  eikon: ${blocks.map((x) => `${configLabel(x)} ${x.ms.toFixed(1)}`).join(", ")} ms/step`);

  let tfjs: Row["tfjs"] = { result: null, error: "skipped (--no-tfjs)" };
  if (flags.tfjs) {
    const r = await runTfjs(id, { steps: flags.tfjsSteps ?? d.tfjsSteps, warmup: 1, seed: flags.seed, timeoutMs: 900_000 });
    tfjs = r.json ? { result: r.json } : { result: null, error: r.error };
    log(`  tfjs (wasm): ${r.json ? `${r.json.ms_per_step.toFixed(0)} ms/step` : r.error}`);
  }

  const parts = chosen.arch.parts.map((p) => {
    const c = countMacs(p.compiled.trace(...p.args()));
    return { name: p.name, callsPerStep: p.callsPerStep, macs: c.macs * p.callsPerStep, nodes: c.nodes, byPrim: c.byPrim };
  });
  const byPrim: Record<string, number> = {};
  for (const p of parts) for (const [k, v] of Object.entries(p.byPrim)) byPrim[k] = (byPrim[k] ?? 0) + v * p.callsPerStep;
  const flops = { macs: parts.reduce((s, p) => s + p.macs, 0), byPrim, nodes: parts.reduce((s, p) => s + p.nodes, 0), parts: parts.map(({ byPrim: _, ...rest }) => rest) };

  const peakGflops = Math.max(...peaks);
  const batch = chosen.arch.batch;
  for (const i of insts) await i.arch.dispose();
  return {
    id,
    batch,
    eikon: { threads: b.threads, shards: b.shards, ms: b.ms, runMs: b.runMs, hostMs: b.hostMs, wrapperMs: b.wrapperMs, updateMs: b.updateMs, blocks, compileMs, losses: chosen.losses, flops },
    torch: { best: torchRuns.length ? best(torchRuns.map((r) => ({ ...r, ms: r.ms_per_step }))) : null, runs: torchRuns, errors: torchErrors },
    tfjs,
    peakGflops,
  };
}

// ── report ─────────────────────────────────────────────────────────────────
const fmt = (v: number | null | undefined, digits = 1) => (v === null || v === undefined || !Number.isFinite(v) ? "—" : v.toFixed(digits));
const ratio = (peer: number | null | undefined, own: number) => (peer ? `${(peer / own).toFixed(peer / own >= 10 ? 0 : 2)}×` : "—");

function table(headers: string[], rows: string[][]): string {
  const w = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join(" | ")} |`;
  return [line(headers), `| ${w.map((n, i) => (i === 0 ? "-".repeat(n) : `${"-".repeat(n - 1)}:`)).join(" | ")} |`, ...rows.map(line)].join("\n");
}

function derived(r: Row, peak: number) {
  const gflop = (2 * r.eikon.flops.macs) / 1e9;
  const gflops = gflop / (r.eikon.ms / 1000);
  const torchMs = r.torch.best?.ms_per_step ?? null;
  const tfjsMs = r.tfjs.result?.ms_per_step ?? null;
  return {
    gflop,
    gflops,
    peakFraction: gflops / peak,
    vsTorch: torchMs ? torchMs / r.eikon.ms : null,
    vsTfjs: tfjsMs ? tfjsMs / r.eikon.ms : null,
    hostFraction: r.eikon.hostMs / r.eikon.ms,
    targets: {
      torch15x: torchMs ? torchMs / r.eikon.ms >= 1.5 : null,
      tfjs10x: tfjsMs ? tfjsMs / r.eikon.ms >= 10 : null,
      compileUnder2s: r.eikon.compileMs < 2000,
      hostUnder5pct: r.eikon.hostMs / r.eikon.ms < 0.05,
      peak50pct: MLP.has(r.id) ? gflops / peak >= 0.5 : null,
    },
  };
}

function report(rows: Row[], peak: { ort: Record<number, number>; torch: Record<string, number | null>; best: number }, sampling: SamplingResult[]): string {
  const out: string[] = [];
  const mark = (v: boolean | null) => (v === null ? "" : v ? "" : " ✗");
  out.push(
    table(
      ["arch", "batch", "Eikon ms/step", "PyTorch ms/step", "TF.js ms/step", "vs PyTorch", "vs TF.js", "GFLOP/step", "Eikon GFLOP/s", "% of peak", "compile ms", "host ms/step", "host Adam ms"],
      rows.map((r) => {
        const x = derived(r, peak.best);
        return [
          r.id,
          String(r.batch),
          `${fmt(r.eikon.ms)} (${configLabel(r.eikon)})`,
          r.torch.best ? `${fmt(r.torch.best.ms_per_step)} (${r.torch.best.threads}t)` : "—",
          r.tfjs.result ? fmt(r.tfjs.result.ms_per_step, 0) : "—",
          `${ratio(r.torch.best?.ms_per_step, r.eikon.ms)}${mark(x.targets.torch15x)}`,
          `${ratio(r.tfjs.result?.ms_per_step, r.eikon.ms)}${mark(x.targets.tfjs10x)}`,
          fmt(x.gflop, 2),
          fmt(x.gflops),
          `${fmt(100 * x.peakFraction)} %${mark(x.targets.peak50pct)}`,
          `${fmt(r.eikon.compileMs, 0)}${mark(x.targets.compileUnder2s)}`,
          `${fmt(r.eikon.hostMs, 2)} (${fmt(100 * x.hostFraction)} %)${mark(x.targets.hostUnder5pct)}`,
          r.eikon.updateMs ? fmt(r.eikon.updateMs, 2) : "in graph",
        ];
      }),
    ),
  );
  out.push("", "✗ marks a missed target (≥ 1.5× PyTorch, ≥ 10× TF.js, ≥ 50 % of peak for MLP steps, compile < 2 s, host < 5 %).");
  out.push("host ms/step: wall time outside session.run, not counting the fused host optimizer update (its own column: the optimizer's work, moved out of the graph).");
  out.push(
    `peak (1024² float32 matmul, GFLOP/s): ORT ${Object.entries(peak.ort).map(([t, g]) => `${t}t ${fmt(g)}`).join(", ")}; best of all ORT samples in this run ${fmt(peak.best)} (the % column's denominator; sampled next to every timed block); PyTorch ${Object.entries(peak.torch).map(([k, g]) => `${k} ${fmt(g)}`).join(", ")}`,
  );
  out.push("", "Losses (same architecture, init family, optimizer, batch; Eikon and TF.js share initial weights and data, PyTorch draws its own):");
  out.push(
    table(
      ["arch", "Eikon first", "Eikon at peer's last step", "PyTorch first", "PyTorch last", "TF.js first", "TF.js last (step)"],
      rows.map((r) => {
        const p = r.torch.best;
        const d = DEFAULTS[r.id];
        // the peer's last loss is after warmup + steps steps; so is this one
        const at = r.eikon.losses[Math.min(r.eikon.losses.length, d.warmup + stepsOf(r)) - 1];
        return [r.id, fmt(r.eikon.losses[0], 4), fmt(at, 4), fmt(p?.loss_first, 4), fmt(p?.loss_last, 4), fmt(r.tfjs.result?.loss_first, 4), r.tfjs.result ? `${fmt(r.tfjs.result.loss_last, 4)} (${1 + (flags.tfjsSteps ?? d.tfjsSteps)})` : "—"];
      }),
    ),
  );
  if (sampling.length) {
    out.push("", "Sampling throughput (samples/s; weights baked in as initializers vs fed as inputs):");
    const models = [...new Set(sampling.map((s) => s.model))];
    out.push(
      table(
        ["model", "batch", ...THREADS.flatMap((t) => [`baked ${t}t`, `fed ${t}t`]), "best baked / best fed"],
        models.map((m) => {
          const get = (mode: string, t: number) => sampling.find((s) => s.model === m && s.mode === mode && s.threads === t);
          const bestOf = (mode: string) => Math.max(...sampling.filter((s) => s.model === m && s.mode === mode).map((s) => s.samplesPerSec));
          return [m, String(sampling[0].batch), ...THREADS.flatMap((t) => [fmt(get("baked", t)?.samplesPerSec, 0), fmt(get("fed", t)?.samplesPerSec, 0)]), `${(bestOf("baked") / bestOf("fed")).toFixed(2)}×`];
        }),
      ),
    );
  }
  return out.join("\n");
}
let stepsByArch: Record<string, number> = {};
const stepsOf = (r: Row) => stepsByArch[r.id] ?? DEFAULTS[r.id].steps;

const log = (s: string) => console.error(s);

// ── main ───────────────────────────────────────────────────────────────────
const flags = parseFlags(process.argv.slice(2));
const allocator = ensureAllocator(flags.defaultMalloc);
stepsByArch = Object.fromEntries(flags.only.map((id) => [id, flags.steps ?? DEFAULTS[id].steps]));
const started = new Date();
const sysBlas = systemBlas();
const blasDir = findOpenBlas();
const blasLabel = blasDir ? `threaded OpenBLAS (${blasDir})` : `system (${sysBlas})`;
const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model, memGiB: Math.round(totalmem() / 2 ** 30), loadAvgStart: loadavg(), node: process.version, torchBlas: blasLabel, systemBlas: sysBlas, allocator, glibcTunables: process.env.GLIBC_TUNABLES ?? null };
log(`bench: ${flags.only.join(", ")} on ${machine.cpus} cores (${machine.cpuModel}), load average ${loadavg().map((v) => v.toFixed(1)).join(" ")}`);
log(
  allocator === "tuned"
    ? `bench: every side runs with freed memory kept in the process (GLIBC_TUNABLES=${process.env.GLIBC_TUNABLES}); --default-malloc for glibc's defaults`
    : "bench: glibc's default allocator (--default-malloc): freed memory goes back to the kernel, and the PyTorch peers pay to fault it in again each step",
);
if (flags.torch) {
  if (blasDir) log(`bench: the PyTorch peers run with the threaded OpenBLAS in ${blasDir} first on LD_LIBRARY_PATH (system BLAS: ${sysBlas})`);
  else if (isReferenceBlas(sysBlas)) {
    log(`bench: WARNING PyTorch's libblas.so.3 is the netlib reference BLAS (${sysBlas}), ~50× slower than OpenBLAS: the PyTorch column is not a fair peer. Run bench/setup-openblas.sh (unpacks OpenBLAS into .cache/, no system change) and rerun.`);
  } else log(`bench: the PyTorch peers use the system BLAS ${sysBlas} (no threaded OpenBLAS found: bench/setup-openblas.sh unpacks one into .cache/)`);
}

const peak = { ort: {} as Record<number, number>, torch: {} as Record<string, number | null>, best: 0 };
for (const t of THREADS) peak.ort[t] = await eikonMatmulPeak(t);
if (flags.torch) {
  for (const t of THREADS) peak.torch[`${t}t`] = await torchMatmulPeak(t, blasDir);
  if (blasDir) peak.torch["1t system BLAS"] = await torchMatmulPeak(1, null, isReferenceBlas(sysBlas) ? 1 : 5);
}
log(`peak: ORT ${Object.entries(peak.ort).map(([t, g]) => `${t}t ${g.toFixed(1)}`).join(", ")} GFLOP/s; PyTorch ${Object.entries(peak.torch).map(([k, g]) => `${k} ${fmt(g)}`).join(", ")}`);

const rows: Row[] = [];
for (const id of flags.only) {
  log(`${id}:`);
  rows.push(await benchArch(id, flags, blasDir, blasLabel));
}
peak.best = Math.max(...Object.values(peak.ort), ...rows.map((r) => r.peakGflops));

let sampling: SamplingResult[] = [];
if (flags.sampling) {
  log("sampling throughput…");
  sampling = await samplingBench({ threads: THREADS });
}

const text = report(rows, peak, sampling);
console.log(text);

const finished = new Date();
const result = {
  started: started.toISOString(),
  finished: finished.toISOString(),
  flags: { ...flags, out: undefined },
  machine: { ...machine, loadAvgEnd: loadavg() },
  peak,
  rows: rows.map((r) => ({ ...r, derived: derived(r, peak.best) })),
  sampling,
  table: text,
};
mkdirSync(flags.out, { recursive: true });
const file = join(flags.out, `${started.toISOString().replace(/:/g, "-").replace(/\..*$/, "")}.json`);
writeFileSync(`${file}.tmp`, JSON.stringify(result, null, 2));
renameSync(`${file}.tmp`, file);
log(`bench: wrote ${file} (${((finished.getTime() - started.getTime()) / 1000).toFixed(0)} s)`);
// ORT's and TF.js's thread pools keep the process alive otherwise
process.exit(0);
