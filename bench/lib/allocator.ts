// The C allocator settings every side of a run measures under: Eikon's own process, the PyTorch
// peers and the TF.js process (children inherit the environment). With glibc's defaults, memory
// a step frees goes back to the kernel (large blocks are mmap'd and unmapped, the heap top is
// trimmed) and the next step faults it in again; on this VM a fresh page costs ~11 µs (proactive
// reclaim, free-page reporting), which made the PyTorch peers 2–2.7× slower than their best
// (bench/NOTES.md, session 6). Keeping freed memory in the process — blocks up to 32 MiB from the
// heap, no trimming — is what a tuned PyTorch deployment does (jemalloc/tcmalloc, or these glibc
// tunables), so the peer gets its best; Eikon runs under the same settings.
import { spawnSync } from "node:child_process";

export const TUNED_MALLOC = "glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=1073741824";

export type AllocatorMode = "tuned" | "default";

const tuned = (env: NodeJS.ProcessEnv) => (env.GLIBC_TUNABLES ?? "").includes("glibc.malloc.trim_threshold");

/**
 * Re-runs this script under the tuned allocator (glibc reads GLIBC_TUNABLES only at process
 * start) unless it already runs under it or `useDefault` is set; in the parent this never returns.
 */
export function ensureAllocator(useDefault: boolean): AllocatorMode {
  if (useDefault) {
    if (tuned(process.env)) {
      console.error("bench: --default-malloc, but GLIBC_TUNABLES already tunes malloc in this environment; unset it to measure glibc's defaults");
      process.exit(2);
    }
    return "default";
  }
  if (tuned(process.env)) return "tuned";
  const env = { ...process.env, GLIBC_TUNABLES: [process.env.GLIBC_TUNABLES, TUNED_MALLOC].filter(Boolean).join(":") };
  const r = spawnSync(process.execPath, [...process.execArgv, process.argv[1], ...process.argv.slice(2)], { env, stdio: "inherit" });
  if (r.error) {
    console.error(`bench: could not re-run under the tuned allocator: ${r.error.message}`);
    process.exit(1);
  }
  process.exit(r.status ?? 1);
}
