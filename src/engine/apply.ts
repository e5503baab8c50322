// Applying a primitive: infer the output type, then either evaluate now (all inputs concrete:
// the eager interpreter, which also folds constants while tracing) or record a symbolic tensor.
import { Tensor } from "./tensor.js";
import type { Prim, PrimAttrs } from "./primitive.js";
import { rule } from "./registry.js";

export function apply<P extends Prim>(prim: P, inputs: Tensor[], attrs: PrimAttrs[P]): Tensor {
  const r = rule(prim);
  const out = r.shape(
    inputs.map((t) => ({ shape: [...t.shape], dtype: t.dtype })),
    attrs,
  );
  const creator = { prim, inputs, attrs: attrs as PrimAttrs[Prim] };
  if (inputs.every((t) => t.data !== null)) {
    const data = r.eval(
      inputs.map((t) => ({ data: t.data!, shape: [...t.shape], dtype: t.dtype })),
      attrs,
      out,
    );
    return new Tensor(out.shape, out.dtype, data, creator);
  }
  return new Tensor(out.shape, out.dtype, null, creator);
}
