// Runs `eikon` as a child process (node --import tsx src/cli/main.ts …, no build needed), or in-process
// through runCli with captured output, for the many error cases where a process per case would be slow.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { runCli } from "../../../src/cli/program.js";

export const REPO = fileURLToPath(new URL("../../../", import.meta.url));
export const REGISTER_TEST_FAMILIES = "./test/train/helpers/register.ts";
export const KILL_AT = "./test/cli/helpers/kill-at.ts";

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface SpawnOptions {
  /** Modules preloaded with --import (test families, crash injection). */
  preload?: string[];
  env?: Record<string, string>;
  /** Called with each chunk of stderr, with the child (e.g. to signal it at the right moment). */
  onStderr?: (text: string, child: ChildProcess) => void;
}

export function eikon(args: string[], opts: SpawnOptions = {}): Promise<Finished> {
  const nodeArgs = ["--import", "tsx", ...(opts.preload ?? []).flatMap((p) => ["--import", p]), "src/cli/main.ts", ...args];
  const child = spawn(process.execPath, nodeArgs, { cwd: REPO, env: { ...process.env, ...opts.env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "", stderr = "";
  child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on("data", (d: Buffer) => {
    stderr += d.toString();
    opts.onStderr?.(stderr, child);
  });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** runCli in this process, with stdout and stderr captured. */
export async function eikonInProcess(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "", stderr = "";
  const code = await runCli(args, { out: (s) => void (stdout += s), err: (s) => void (stderr += s) });
  return { code, stdout, stderr };
}
