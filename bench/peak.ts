// The machine's matmul peak, measured in the same run as the steps: a 1024×1024 float32 matmul
// compiled by Eikon (ONNX Runtime) at a given thread count, and PyTorch's for reference.
import { Rng, Tensor, compile, matmul, nativeBackend } from "../src/engine/index.js";
import { PYTHON, runJsonLine, torchEnv } from "./lib/peers.js";

const N = 1024;
const FLOP = 2 * N ** 3;

/** GFLOP/s of the best of `reps` session runs (after 2 warm-up runs). */
export async function eikonMatmulPeak(threads: number, reps = 8): Promise<number> {
  const rng = new Rng(7);
  const a = new Tensor([N, N], "float32", rng.fillNormal(new Float32Array(N * N)));
  const b = new Tensor([N, N], "float32", rng.fillNormal(new Float32Array(N * N)));
  const f = compile((x: Tensor, y: Tensor) => matmul(x, y), { backend: nativeBackend({ threads }), name: "peak" });
  await f(a, b);
  await f(a, b);
  let best = Infinity;
  for (let i = 0; i < reps; i++) {
    const r0 = f.stats.runMs;
    await f(a, b);
    best = Math.min(best, f.stats.runMs - r0);
  }
  await f.dispose();
  return FLOP / best / 1e6;
}

const TORCH_MM = `
import json, sys, time, torch
torch.set_num_threads(int(sys.argv[1])); reps = int(sys.argv[2])
a = torch.randn(${N}, ${N}); b = torch.randn(${N}, ${N}); a @ b
best = min((lambda t: (a @ b, time.perf_counter() - t)[1])(time.perf_counter()) for _ in range(reps))
print(json.dumps({"gflops": ${FLOP} / best / 1e9}))
`;

/** PyTorch's 1024² matmul GFLOP/s (best of reps), or null if PyTorch is unavailable. */
export async function torchMatmulPeak(threads: number, blasDir: string | null, reps = 5): Promise<number | null> {
  const r = await runJsonLine(PYTHON, ["-c", TORCH_MM, String(threads), String(reps)], torchEnv(threads, blasDir), 120_000);
  return r.json ? (r.json as unknown as { gflops: number }).gflops : null;
}
