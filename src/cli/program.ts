// The `eikon` command line: one commander program, one file per command. Errors never exit from
// inside commander; runCli maps them to exit codes (errors.ts).
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { reportError } from "./errors.js";
import { positiveInt } from "./parse.js";
import { evalCommand } from "./eval.js";
import { exportCommand } from "./export.js";
import { listCommand } from "./list.js";
import { stdio, type Output } from "./output.js";
import { reportCommand } from "./report.js";
import { sampleCommand } from "./sample.js";
import type { CliState } from "./state.js";
import { trainCommand } from "./train.js";

function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

export function buildProgram(io: Output, state: CliState): Command {
  const program = new Command("eikon")
    .description("Deep generative models in TypeScript: train, sample, evaluate and export")
    .version(version(), "-V, --version")
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .exitOverride()
    .showHelpAfterError("(add --help for usage)")
    .option("--threads <n>", "op threads of the native runtime (default: the machine's cores); 1 when running several jobs side by side", positiveInt)
    .hook("preAction", async () => {
      const threads = (program.opts() as { threads?: number }).threads;
      if (threads === undefined) return;
      const { nativeBackend, setDefaultBackend } = await import("../engine/index.js");
      setDefaultBackend(nativeBackend({ threads }));
    });
  const configure = (c: Command) => c.configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) }).exitOverride().showHelpAfterError("(add --help for usage)");
  for (const c of [trainCommand(io, state), sampleCommand(io), evalCommand(io), exportCommand(io), listCommand(io), reportCommand(io)]) program.addCommand(configure(c));
  return program;
}

/** Runs the CLI on arguments (without node and the script); resolves to the exit code. */
export async function runCli(argv: readonly string[], io: Output = stdio): Promise<number> {
  const state: CliState = { exitCode: 0 };
  const program = buildProgram(io, state);
  if (argv.length === 0) {
    io.out(program.helpInformation());
    return 0;
  }
  try {
    await program.parseAsync([...argv], { from: "user" });
    return state.exitCode;
  } catch (e) {
    return reportError(e, io.err);
  }
}

