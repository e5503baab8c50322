// The NaN/Inf guard: after every step, the loss, each logged metric and the gradient's norm must be
// finite; otherwise the step's results are discarded and the run stops (or rolls back) with a
// message naming the step and the term.

export type NonFiniteKind = "loss" | "metric" | "gradient";

export class NonFiniteError extends Error {
  override name = "NonFiniteError";
  constructor(
    message: string,
    readonly step: number,
    /** The objective's name, or the metric's name for a metric. */
    readonly term: string,
    readonly objective: string,
    readonly kind: NonFiniteKind,
  ) {
    super(message);
  }
}

const describe = (v: number) => (Number.isNaN(v) ? "NaN" : v > 0 ? "+Infinity" : "-Infinity");

/** The first non-finite term of a step's results (metrics, then the loss, then the gradient), or null. */
export function checkFinite(
  step: number,
  objective: { name: string; player: string },
  loss: number,
  metrics: Record<string, number>,
  gradNorm: number,
): NonFiniteError | null {
  for (const [name, v] of Object.entries(metrics)) {
    if (!Number.isFinite(v)) {
      return new NonFiniteError(`step ${step}: metric '${name}' of objective '${objective.name}' is ${describe(v)}`, step, name, objective.name, "metric");
    }
  }
  if (!Number.isFinite(loss)) {
    return new NonFiniteError(`step ${step}: loss '${objective.name}' is ${describe(loss)}`, step, objective.name, objective.name, "loss");
  }
  if (!Number.isFinite(gradNorm)) {
    return new NonFiniteError(
      `step ${step}: the gradient of loss '${objective.name}' (player '${objective.player}') is not finite (norm ${describe(gradNorm)}) while the loss is ${loss}`,
      step,
      objective.name,
      objective.name,
      "gradient",
    );
  }
  return null;
}
