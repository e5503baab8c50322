// Checks loaded parameters against what a model expects, with messages a user can act on.
import { SafetensorsError } from "./safetensors.js";
import { formatShape, type NamedTensor } from "./tensor.js";

export interface ExpectTensorsOptions {
  /** Accept tensors the model does not use (default false: they usually mean the wrong file). */
  allowExtra?: boolean;
}

const MAX_LISTED = 20;

function list(names: string[]): string {
  const shown = names.slice(0, MAX_LISTED).map((n) => `'${n}'`).join(", ");
  return names.length > MAX_LISTED ? `${shown} and ${names.length - MAX_LISTED} more` : shown;
}

/**
 * Throws a SafetensorsError listing every mis-shaped, missing and (unless allowed) unexpected tensor,
 * e.g. "tensor 'encoder.0.weight' has shape [2,3] in file X but the model expects [3,2]".
 */
export function expectTensors(
  loaded: Record<string, NamedTensor>,
  expected: Record<string, readonly number[]>,
  file: string,
  options: ExpectTensorsOptions = {},
): void {
  const problems: string[] = [];
  const missing: string[] = [];
  for (const [name, shape] of Object.entries(expected)) {
    if (!Object.hasOwn(loaded, name)) {
      missing.push(name);
      continue;
    }
    const got = loaded[name]!.shape;
    if (got.length !== shape.length || got.some((d, i) => d !== shape[i])) {
      problems.push(`tensor '${name}' has shape ${formatShape(got)} in file ${file} but the model expects ${formatShape(shape)}`);
    }
  }
  if (missing.length > 0) problems.push(`missing tensor${missing.length > 1 ? "s" : ""} ${list(missing)}: the model expects them but file ${file} does not contain them`);
  const extra = Object.keys(loaded).filter((n) => !Object.hasOwn(expected, n));
  if (extra.length > 0 && !options.allowExtra) {
    problems.push(`unexpected tensor${extra.length > 1 ? "s" : ""} ${list(extra)} in file ${file}: the model has no such parameters`);
  }
  if (problems.length === 1) throw new SafetensorsError(file, problems[0]!);
  if (problems.length > 1) {
    throw new SafetensorsError(file, `file ${file} does not match the model (${problems.length} problems):\n  - ${problems.join("\n  - ")}`);
  }
}
