// Errors a user can cause while tracing, each naming the op, the shapes and the user's line.

const ENGINE_FRAME = /[\\/]src[\\/]engine[\\/]|[\\/]dist[\\/]engine[\\/]|node:internal|[\\/]node_modules[\\/]/;

/** The first stack frame outside Eikon's engine: the line of user code that called the op. */
export function userCallSite(stack: string | undefined = new Error().stack): string | undefined {
  if (!stack) return undefined;
  for (const line of stack.split("\n").slice(1)) {
    const frame = line.trim();
    if (!frame.startsWith("at ")) continue;
    if (ENGINE_FRAME.test(frame)) continue;
    const m = frame.match(/\(([^()]+)\)$/) ?? frame.match(/^at (.+)$/);
    return m ? m[1] : frame.slice(3);
  }
  return undefined;
}

/** A shape or dtype mismatch found at trace time. */
export class ShapeError extends Error {
  readonly op: string;
  readonly site: string | undefined;
  constructor(op: string, message: string) {
    const site = userCallSite();
    super(`${op}: ${message}${site ? `\n    at ${site}` : ""}`);
    this.name = "ShapeError";
    this.op = op;
    this.site = site;
  }
}

export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}
