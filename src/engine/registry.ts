// The primitive registry. Typed over the primitive union: leaving out a primitive, or one
// of its shape/eval/toOnnx/vjp parts, fails to compile.
import type { Prim, PrimRule, PrimTable } from "./primitive.js";
import { elementwiseRules } from "./prims/elementwise.js";
import { reduceRules } from "./prims/reduce.js";
import { linalgRules } from "./prims/linalg.js";
import { convRules } from "./prims/conv.js";
import { poolRules } from "./prims/pool.js";
import { layoutRules } from "./prims/layout.js";

let table: PrimTable | null = null;

/** Built on first use, so that the rule modules (which import ops) have finished loading. */
export function primitives(): PrimTable {
  table ??= { ...elementwiseRules, ...reduceRules, ...linalgRules, ...convRules, ...poolRules, ...layoutRules };
  return table;
}

export function rule<P extends Prim>(prim: P): PrimRule<P> {
  return primitives()[prim] as PrimRule<P>;
}
