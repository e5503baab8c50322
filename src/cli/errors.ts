// How the CLI ends: a user's mistake (bad flag, bad value, unknown model or dataset, missing or
// foreign run directory) is one line and exit code 2; a failed run (non-finite loss) exit 1;
// Ctrl-C during training exit 130 after its checkpoint.
import { CommanderError } from "commander";

/** A mistake in how eikon was called: one clear message, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;

/** Errors whose cause is the user's input, by class name (they come from several layers). */
const USER_ERRORS = new Set(["UsageError", "TrainSetupError", "RunDirError", "DataError", "MetricError", "QueryError", "SafetensorsError", "InvalidArgumentError"]);

export function isUserError(e: unknown): boolean {
  return e instanceof Error && USER_ERRORS.has(e.name);
}

/** The exit code for an error, after writing its message. */
export function reportError(e: unknown, writeErr: (s: string) => void): number {
  if (e instanceof CommanderError) {
    // commander already printed its message (or the help) through writeErr / writeOut.
    return e.code === "commander.helpDisplayed" || e.code === "commander.help" || e.code === "commander.version" ? e.exitCode : EXIT_USAGE;
  }
  if (isUserError(e)) {
    writeErr(`eikon: error: ${(e as Error).message}\n`);
    return EXIT_USAGE;
  }
  if (e instanceof Error && e.name === "NonFiniteError") {
    writeErr(`eikon: training stopped: ${e.message}\n`);
    return EXIT_FAILURE;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  writeErr(`eikon: error: ${err.message}\n${process.env.EIKON_DEBUG ? `${err.stack}\n` : ""}`);
  return EXIT_FAILURE;
}

/** Runs f, turning a plain Error from a lookup (unknown model, bad config) into a UsageError. */
export function asUsage<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof Error && !isUserError(e)) throw new UsageError(e.message);
    throw e;
  }
}
