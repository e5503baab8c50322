// ONNX Runtime's profiler on one architecture's compiled step(s): kernel time grouped by op
// type (and the top nodes), to find where a step's time goes.
//   node --import tsx bench/profile.ts <id> [--runs N] [--threads N] [--nodes K] [--shards N]
// (each part in a session of its own on the main thread, shard parts too: --threads 1 for their cost)
import * as ort from "onnxruntime-node";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { emitOnnx, flattenTree } from "../src/engine/index.js";
import { simplifyGraph, splitInputs } from "../src/engine/simplify.js";
import { nativeNchwcBlockSize, nativeSessionOptions } from "../src/engine/runtime.js";
import type { EikonArch, StepPart } from "./lib/types.js";

export interface OpTime {
  op: string;
  ms: number;
  nodes: number;
}
/** Where kernel time goes, by kind of work. */
export interface Categories {
  /** MatMul, Gemm, FusedMatMul, FusedGemm, Conv, ConvTranspose. */
  compute: number;
  /** Elementwise nodes over a packed parameter vector: the optimizer update. */
  optimizer: number;
  /** Concat/Split/Slice/Reshape of packed vectors: parameter unpacking and gradient packing. */
  packing: number;
  /** Other Transpose/Concat/Split/Slice/Pad/Expand/Reshape nodes. */
  layout: number;
  /** Everything else: activations, their gradients, losses, reductions. */
  elementwise: number;
}
export interface Profile {
  part: string;
  categories: Categories;
  /** Kernel time per run, summed over nodes (ms). */
  kernelMs: number;
  /** Wall time of session.run per run (ms). */
  runMs: number;
  byOp: OpTime[];
  topNodes: { name: string; op: string; ms: number; shape: string }[];
}

/** Profile one compiled part at its current arguments: `runs` runs after 2 warm-up runs. */
export async function profilePart(part: StepPart, opts: { runs?: number; threads?: number; topNodes?: number } = {}): Promise<Profile> {
  const runs = opts.runs ?? 10;
  const args = part.args();
  // the graph compile() runs: simplified, packed inputs split into zero-copy views
  const graph = splitInputs(simplifyGraph(part.compiled.trace(...args)));
  const model = emitOnnx(graph, part.name, { nchwcBlock: await nativeNchwcBlockSize() });
  const leaves = flattenTree(args).leaves;
  const dir = mkdtempSync(join(tmpdir(), "eikon-prof-"));
  // the engine's own session options (nativeBackend's), with the profiler on
  const session = await ort.InferenceSession.create(model.bytes, {
    ...nativeSessionOptions(opts.threads ?? 2),
    enableProfiling: true,
    profileFilePrefix: join(dir, "prof"),
  } as ort.InferenceSession.SessionOptions);
  const feeds: Record<string, ort.Tensor> = {};
  graph.inputs.forEach((input, k) => {
    const t = leaves[input.index];
    const data = input.view ? t.data!.subarray(input.view[0], input.view[1]) : t.data!;
    feeds[model.inputNames[k]] = new ort.Tensor(t.dtype as "float32", data as Float32Array, [...input.shape]);
  });
  for (let i = 0; i < 2; i++) await session.run(feeds);
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) await session.run(feeds);
  const runMs = (performance.now() - t0) / runs;
  session.endProfiling();
  await session.release();
  const file = readdirSync(dir).find((f) => f.startsWith("prof"));
  const events = JSON.parse(readFileSync(join(dir, file!), "utf8")) as { cat: string; name: string; ts: number; dur: number; args: Record<string, unknown> }[];
  rmSync(dir, { recursive: true, force: true });
  // only the timed runs count: the two warm-up runs (first-run allocation, thread start) are skipped
  const runStarts = events.filter((e) => e.cat === "Session" && e.name === "model_run").map((e) => e.ts).sort((a, b) => a - b);
  const cutoff = runStarts.length > 2 ? runStarts[2] : -Infinity;
  const all = runStarts.length > 2 ? runs : runs + 2;
  const byOp = new Map<string, OpTime>();
  const byNode = new Map<string, { op: string; us: number; shape: string }>();
  const categories: Categories = { compute: 0, optimizer: 0, packing: 0, layout: 0, elementwise: 0 };
  // packed vectors: the 1-D inputs big enough to be parameters or optimizer state
  const packed = new Set(leaves.filter((t) => t.rank === 1 && t.size >= 4096).map((t) => t.size));
  const COMPUTE = new Set(["MatMul", "Gemm", "FusedMatMul", "FusedGemm", "Conv", "ConvTranspose", "FusedConv"]);
  const LAYOUT = new Set(["Transpose", "Concat", "Split", "Slice", "Pad", "Expand", "Reshape", "Identity"]);
  let total = 0;
  for (const e of events) {
    if (e.cat !== "Node" || !e.name.endsWith("_kernel_time") || e.ts < cutoff) continue;
    const op = String(e.args.op_name);
    const r = byOp.get(op) ?? { op, ms: 0, nodes: 0 };
    r.ms += e.dur / 1000 / all;
    r.nodes += 1 / all;
    byOp.set(op, r);
    total += e.dur;
    const shapes = (e.args.output_type_shape as Record<string, number[]>[] | undefined) ?? [];
    const onPacked = shapes.some((o) => Object.values(o).some((d) => d.length === 1 && packed.has(d[0])));
    const ms = e.dur / 1000 / all;
    if (COMPUTE.has(op)) categories.compute += ms;
    else if (LAYOUT.has(op)) categories[onPacked || op === "Split" ? "packing" : "layout"] += ms;
    else categories[onPacked ? "optimizer" : "elementwise"] += ms;
    const node = e.name.replace(/_kernel_time$/, "");
    const n = byNode.get(node) ?? { op, us: 0, shape: JSON.stringify(e.args.output_type_shape ?? e.args.output_size ?? "") };
    n.us += e.dur;
    byNode.set(node, n);
  }
  return {
    part: part.name,
    categories,
    kernelMs: total / 1000 / all,
    runMs,
    byOp: [...byOp.values()].sort((a, b) => b.ms - a.ms).map((r) => ({ ...r, nodes: Math.round(r.nodes) })),
    topNodes: [...byNode.entries()]
      .sort((a, b) => b[1].us - a[1].us)
      .slice(0, opts.topNodes ?? 12)
      .map(([name, n]) => ({ name, op: n.op, ms: n.us / 1000 / all, shape: n.shape.slice(0, 120) })),
  };
}

export function formatProfile(p: Profile): string {
  const lines = [`${p.part}: session.run ${p.runMs.toFixed(2)} ms, kernels ${p.kernelMs.toFixed(2)} ms, outside kernels ${(p.runMs - p.kernelMs).toFixed(2)} ms`];
  lines.push(`  by kind: ${Object.entries(p.categories).map(([k, v]) => `${k} ${v.toFixed(2)} ms (${((100 * v) / p.kernelMs).toFixed(0)} %)`).join(", ")}`);
  for (const r of p.byOp.slice(0, 16)) lines.push(`  ${r.op.padEnd(22)} ${r.ms.toFixed(2).padStart(8)} ms  ${((100 * r.ms) / p.kernelMs).toFixed(1).padStart(5)} %  ${r.nodes} nodes`);
  lines.push("  top nodes:");
  for (const n of p.topNodes) lines.push(`    ${n.ms.toFixed(2).padStart(8)} ms  ${n.op.padEnd(18)} ${n.name.slice(0, 40).padEnd(40)} ${n.shape}`);
  return lines.join("\n");
}

if (process.argv[1]?.endsWith("profile.ts")) {
  const argv = process.argv.slice(2);
  const flag = (name: string, d: number) => (argv.includes(`--${name}`) ? Number(argv[argv.indexOf(`--${name}`) + 1]) : d);
  const id = argv[0];
  if (!id) {
    console.error("usage: node --import tsx bench/profile.ts <id> [--runs N] [--threads N] [--nodes K] [--shards N]");
    process.exit(2);
  }
  const { create } = (await import(`./archs/${id}.js`)) as { create(o: { seed: number; shards?: number }): EikonArch };
  const arch = create({ seed: 0, shards: flag("shards", 1) });
  await arch.step(); // real arguments for every part
  for (const part of arch.parts) console.log(formatProfile(await profilePart(part, { runs: flag("runs", 10), threads: flag("threads", 2), topNodes: flag("nodes", 12) })));
  await arch.dispose();
}
