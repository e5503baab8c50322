// The PyTorch peers (../../shared/peers/*.py) and the TF.js runner, each in its own process,
// each printing one JSON line; and which BLAS the PyTorch build would use.
import { spawn } from "node:child_process";
import { existsSync, readlinkSync, realpathSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { PeerResult } from "./types.js";

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const PEERS_DIR = resolve(REPO, "../shared/peers");
export const PYTHON = process.env.EIKON_BENCH_PYTHON ?? "/usr/bin/python3";

export const PEER_SCRIPT: Record<string, string> = {
  "vae-mlp": "vae_mlp.py",
  "dcgan-mnist": "dcgan_mnist.py",
  "wgangp-toy": "wgangp_toy.py",
  "realnvp-mlp": "realnvp_mlp.py",
  pixelcnn: "pixelcnn.py",
};

export interface RunResult {
  ok: boolean;
  json: PeerResult | null;
  error?: string;
  wallMs: number;
}

/** Run a command; the last line of stdout that parses as JSON is the result. */
export function runJsonLine(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number, cwd = REPO): Promise<RunResult> {
  const t0 = performance.now();
  return new Promise((done) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      done({ ok: false, json: null, error: e.message, wallMs: performance.now() - t0 });
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const line = out
        .trim()
        .split("\n")
        .reverse()
        .find((l) => l.trim().startsWith("{"));
      let json: PeerResult | null = null;
      try {
        json = line ? (JSON.parse(line) as PeerResult) : null;
      } catch {
        json = null;
      }
      const ok = code === 0 && json !== null;
      const why = signal ? `killed (${signal}) after ${Math.round(timeoutMs / 1000)} s` : `exit ${code}`;
      done({ ok, json, error: ok ? undefined : `${why}: ${(err || out).trim().split("\n").slice(-3).join(" | ")}`, wallMs: performance.now() - t0 });
    });
  });
}

/**
 * The BLAS PyTorch's libblas.so.3 resolves to. Debian's python3-torch is built against the
 * generic BLAS interface, and with only libblas3 installed that is the netlib reference BLAS
 * (~1–2 GFLOP/s: 50–100× slower than OpenBLAS), which would make every PyTorch figure meaningless.
 */
export function systemBlas(): string {
  try {
    return realpathSync("/etc/alternatives/libblas.so.3-x86_64-linux-gnu");
  } catch {
    try {
      return readlinkSync("/usr/lib/x86_64-linux-gnu/libblas.so.3");
    } catch {
      return "unknown";
    }
  }
}

export const isReferenceBlas = (path: string) => /\/blas\/libblas\.so/.test(path);

/**
 * A directory holding a threaded OpenBLAS libblas.so.3, to put first on the peer's
 * LD_LIBRARY_PATH: $EIKON_BENCH_OPENBLAS, an installed libopenblas0-openmp / -pthread, or the
 * private copy bench/setup-openblas.sh unpacks into .cache/ (no system change). A threaded BLAS is
 * the peer's best case: the serial OpenBLAS or the reference BLAS the system may select cannot
 * use a second core for GEMM at --threads 2.
 */
export function findOpenBlas(): string | null {
  const candidates = [
    process.env.EIKON_BENCH_OPENBLAS,
    join(REPO, ".cache/bench-openblas/usr/lib/x86_64-linux-gnu/openblas-openmp"),
    "/usr/lib/x86_64-linux-gnu/openblas-openmp",
    "/usr/lib/x86_64-linux-gnu/openblas-pthread",
  ].filter((d): d is string => Boolean(d));
  return candidates.find((d) => existsSync(join(d, "libblas.so.3"))) ?? null;
}

export function torchEnv(threads: number, blasDir: string | null): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads) };
  if (blasDir) env.LD_LIBRARY_PATH = [blasDir, process.env.LD_LIBRARY_PATH].filter(Boolean).join(":");
  return env;
}

export function runTorchPeer(id: string, o: { threads: number; steps: number; warmup: number; seed: number; blasDir: string | null; timeoutMs: number }): Promise<RunResult> {
  const script = join(PEERS_DIR, PEER_SCRIPT[id]);
  if (!existsSync(script)) return Promise.resolve({ ok: false, json: null, error: `no peer program ${script}`, wallMs: 0 });
  const args = [script, "--threads", String(o.threads), "--steps", String(o.steps), "--warmup", String(o.warmup), "--seed", String(o.seed)];
  return runJsonLine(PYTHON, args, torchEnv(o.threads, o.blasDir), o.timeoutMs, PEERS_DIR);
}

export function runTfjs(id: string, o: { steps: number; warmup: number; seed: number; timeoutMs: number }): Promise<RunResult> {
  const args = ["--import", "tsx", join(REPO, "bench/tfjs/main.ts"), id, "--steps", String(o.steps), "--warmup", String(o.warmup), "--seed", String(o.seed)];
  return runJsonLine(process.execPath, args, { ...process.env }, o.timeoutMs);
}
