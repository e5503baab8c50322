// Reverse-mode autodiff over recorded creators. VJP rules emit ordinary ops, so the
// gradient is itself a recorded computation and can be differentiated again.
import { Tensor } from "./tensor.js";
import { rule } from "./registry.js";
import { flatten } from "./tree.js";
import { zerosLike } from "./ops.js";
import { fmtShape } from "./errors.js";

/** Tensors on a path from `wrt` to `outputs`, in topological order (inputs first). */
function pathTensors(outputs: readonly Tensor[], wrt: ReadonlySet<Tensor>): { order: Tensor[]; depends: Map<Tensor, boolean> } {
  const depends = new Map<Tensor, boolean>();
  const order: Tensor[] = [];
  const stack: [Tensor, boolean][] = outputs.map((t) => [t, false]);
  while (stack.length) {
    const [t, expanded] = stack.pop()!;
    if (expanded) {
      const dep = wrt.has(t) || (t.creator !== null && t.creator.inputs.some((i) => depends.get(i)));
      depends.set(t, dep);
      if (dep) order.push(t);
      continue;
    }
    if (depends.has(t)) continue;
    if (wrt.has(t) || !t.creator) {
      depends.set(t, wrt.has(t));
      if (wrt.has(t)) order.push(t);
      continue;
    }
    stack.push([t, true]);
    for (const i of t.creator.inputs) if (!depends.has(i)) stack.push([i, false]);
  }
  return { order, depends };
}

/** Cotangents of `wrt` for the given output cotangents (null where no path connects them). */
export function vjp(outputs: readonly Tensor[], cotangents: readonly Tensor[], wrt: readonly Tensor[]): (Tensor | null)[] {
  const wrtSet = new Set(wrt);
  const { order, depends } = pathTensors(outputs, wrtSet);
  const ct = new Map<Tensor, Tensor>();
  const accumulate = (t: Tensor, g: Tensor) => {
    const prev = ct.get(t);
    ct.set(t, prev ? prev.add(g) : g);
  };
  outputs.forEach((o, i) => accumulate(o, cotangents[i]));
  for (let k = order.length - 1; k >= 0; k--) {
    const t = order[k];
    const g = ct.get(t);
    if (!g || wrtSet.has(t) || !t.creator) continue;
    const { prim, inputs, attrs } = t.creator;
    const needs = inputs.map((i) => depends.get(i) === true);
    const grads = rule(prim).vjp(g, inputs, t, attrs as never, needs);
    inputs.forEach((inp, i) => {
      const gi = grads[i];
      if (!needs[i] || !gi) return;
      if (gi.shape.length !== inp.shape.length || gi.shape.some((d, j) => d !== inp.shape[j])) {
        throw new Error(`internal: vjp of ${prim} returned ${fmtShape(gi.shape)} for an input of shape ${fmtShape(inp.shape)}`);
      }
      accumulate(inp, gi);
    });
  }
  return wrt.map((w) => ct.get(w) ?? null);
}

/** Fresh tensors standing for the arguments, linked to them by an identity so outer gradients still flow. */
function variables(leaves: readonly Tensor[]): Tensor[] {
  return leaves.map((p) => new Tensor(p.shape, p.dtype, p.data, { prim: "reshape", inputs: [p], attrs: { shape: [...p.shape] } }));
}

export interface ValueAndGradOptions {
  /** Which argument to differentiate with respect to (default 0). */
  argnum?: number;
  /** f returns [loss, aux]; aux is passed through undifferentiated. */
  hasAux?: boolean;
}

export interface ValueAndGrad<G, Aux> {
  value: Tensor;
  grad: G;
  aux: Aux;
}

/**
 * valueAndGrad(f)(params, ...rest) → { value, grad, aux }: f's scalar value and its gradient with
 * respect to one argument, a pytree of tensors (grad has the same structure).
 */
export function valueAndGrad<Args extends unknown[], Aux = undefined>(
  f: (...args: Args) => Tensor | [Tensor, Aux],
  opts: ValueAndGradOptions = {},
): (...args: Args) => ValueAndGrad<any, Aux> {
  const argnum = opts.argnum ?? 0;
  return (...args: Args) => {
    const flat = flatten(args[argnum]);
    const vars = variables(flat.leaves);
    const callArgs = [...args] as unknown[];
    callArgs[argnum] = flat.rebuild(vars);
    const result = f(...(callArgs as Args));
    const [value, aux] = opts.hasAux ? (result as [Tensor, Aux]) : [result as Tensor, undefined as Aux];
    if (!(value instanceof Tensor)) throw new TypeError(`valueAndGrad: the function must return a Tensor${opts.hasAux ? " as the first element of [loss, aux]" : ""}`);
    if (value.size !== 1) throw new Error(`valueAndGrad: the function must return a scalar (one element), got shape ${fmtShape(value.shape)}; reduce it with sum() or mean()`);
    const seed = new Tensor(value.shape, value.dtype, value.dtype === "float64" ? new Float64Array([1]) : new Float32Array([1]));
    const grads = vjp([value], [seed], vars).map((g, i) => g ?? zerosLike(vars[i]));
    return { value, grad: flat.rebuild(grads), aux };
  };
}

/** grad(f)(params, ...rest): the gradient of f's scalar value with respect to params. */
export function grad<Args extends unknown[]>(f: (...args: Args) => Tensor, opts: { argnum?: number } = {}): (...args: Args) => any {
  const vg = valueAndGrad(f, opts);
  return (...args: Args) => vg(...args).grad;
}
