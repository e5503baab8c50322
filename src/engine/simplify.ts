// Graph simplification before emission: common-subexpression elimination, transpose folding
// (Tᵀ∘T, and (AB)ᵀ → BᵀAᵀ so ONNX Runtime fuses the transposes into its MatMul), and dead-node
// removal. VJP rules are written plainly; this pass cleans up what they leave behind.
import type { IRConstant, IRGraph, IRInput, IRNode, IRValue } from "./ir.js";
import type { Prim, PrimAttrs } from "./primitive.js";
import { rule } from "./registry.js";

const isSwapLast2 = (perm: number[]) => perm.length >= 2 && perm.every((p, i) => (i < perm.length - 2 ? p === i : p === (i === perm.length - 2 ? perm.length - 1 : perm.length - 2)));

export function simplifyGraph(g: IRGraph): IRGraph {
  const replace = new Map<IRValue, IRValue>();
  const resolve = (v: IRValue): IRValue => {
    let r = v;
    while (replace.has(r)) r = replace.get(r)!;
    return r;
  };
  // uses in the original graph (for single-use rewrites)
  const uses = new Map<IRValue, number>();
  for (const n of g.nodes) for (const i of n.inputs) uses.set(i, (uses.get(i) ?? 0) + 1);
  for (const o of g.outputs) uses.set(o, (uses.get(o) ?? 0) + 1);

  // small constants with equal contents share one value
  const constants: IRConstant[] = [];
  const constKey = new Map<string, IRConstant>();
  for (const c of g.constants) {
    if (c.data.length <= 16) {
      const key = `${c.dtype}|${c.shape.join(",")}|${Array.from(c.data).join(",")}`;
      const prev = constKey.get(key);
      if (prev) {
        replace.set(c, prev);
        continue;
      }
      constKey.set(key, c);
    }
    constants.push(c);
  }

  const producer = new Map<IRValue, IRNode>();
  const seen = new Map<string, IRValue>();
  const nodes: IRNode[] = [];
  let fresh = 0;
  const emit = <P extends Prim>(prim: P, inputs: IRValue[], attrs: PrimAttrs[P]): IRValue => {
    const key = `${prim}|${inputs.map(idOf).join(",")}|${JSON.stringify(attrs)}`;
    const hit = seen.get(key);
    if (hit) return hit;
    const t = rule(prim).shape(inputs.map((i) => ({ shape: i.shape, dtype: i.dtype })), attrs);
    const output: IRValue = { shape: t.shape, dtype: t.dtype, name: `s${fresh++}` };
    const node: IRNode = { prim, inputs, attrs: attrs as PrimAttrs[Prim], output };
    nodes.push(node);
    producer.set(output, node);
    seen.set(key, output);
    return output;
  };
  const ids = new Map<IRValue, number>();
  const idOf = (v: IRValue) => {
    let id = ids.get(v);
    if (id === undefined) ids.set(v, (id = ids.size));
    return id;
  };

  const transpose = (x: IRValue, perm: number[]): IRValue => {
    if (perm.every((p, i) => p === i)) return x;
    const src = producer.get(x);
    if (src?.prim === "transpose") {
      // T_q(T_p(y)) = T_{p∘q}(y)
      const inner = (src.attrs as PrimAttrs["transpose"]).perm;
      return transpose(src.inputs[0], perm.map((q) => inner[q]));
    }
    return emit("transpose", [x], { perm });
  };

  for (const n of g.nodes) {
    const inputs = n.inputs.map(resolve);
    let out: IRValue;
    if (n.prim === "transpose") {
      const perm = (n.attrs as PrimAttrs["transpose"]).perm;
      const src = producer.get(inputs[0]);
      if (src?.prim === "matmul" && isSwapLast2(perm) && uses.get(n.inputs[0]) === 1 && src.output.shape.length === src.inputs[0].shape.length && src.output.shape.length === src.inputs[1].shape.length) {
        // (AB)ᵀ = BᵀAᵀ (no batch broadcasting involved)
        out = emit("matmul", [transpose(src.inputs[1], perm), transpose(src.inputs[0], perm)], {});
      } else {
        out = transpose(inputs[0], perm);
      }
    } else if (n.prim === "reshape" && sameShape(inputs[0].shape, (n.attrs as PrimAttrs["reshape"]).shape)) {
      out = inputs[0];
    } else {
      out = emit(n.prim, inputs, n.attrs as never);
    }
    if (out !== n.output) replace.set(n.output, out);
  }

  // keep only what the outputs need
  const outputs = g.outputs.map(resolve);
  const live = new Set<IRValue>(outputs);
  const kept: IRNode[] = [];
  for (let k = nodes.length - 1; k >= 0; k--) {
    const n = nodes[k];
    if (!live.has(n.output)) continue;
    kept.push(n);
    for (const i of n.inputs) live.add(i);
  }
  kept.reverse();
  kept.forEach((n, k) => (n.output.name = `v${k}`));
  return {
    inputs: g.inputs.filter((i) => live.has(i)),
    constants: constants.filter((c) => live.has(c)).map((c, k) => ((c.name = `c${k}`), c)),
    nodes: kept,
    outputs,
  };
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * The contiguous slices of a 1-D input (a packed parameter vector being unpacked) become one
 * graph input per slice, fed as zero-copy views of the host array: no in-graph
 * Split copying the whole vector every step.
 */
export function splitInputs(g: IRGraph): IRGraph {
  const uses = new Map<IRValue, IRNode[]>();
  for (const n of g.nodes) for (const i of n.inputs) uses.set(i, [...(uses.get(i) ?? []), n]);
  const outputs = new Set(g.outputs);
  const replace = new Map<IRValue, IRValue>();
  const inputs: IRInput[] = [];
  const dropped = new Set<IRNode>();
  for (const input of g.inputs) {
    const users = uses.get(input) ?? [];
    const isViewSlice = (n: IRNode) => n.prim === "slice" && (n.attrs as PrimAttrs["slice"]).steps[0] === 1;
    const slices = users.filter(isViewSlice);
    // the whole vector stays an input too when something else reads it (an optimizer update):
    // both are views of the same host array, so neither copies
    const keepWhole = outputs.has(input) || slices.length < users.length;
    if (input.shape.length !== 1 || input.view || slices.length < 2) {
      inputs.push(input);
      continue;
    }
    if (keepWhole) inputs.push(input);
    for (const n of slices) {
      const { starts, ends } = n.attrs as PrimAttrs["slice"];
      const part: IRInput = { shape: [...n.output.shape], dtype: input.dtype, name: `${input.name}_${starts[0]}_${ends[0]}`, index: input.index, view: [starts[0], ends[0]] };
      inputs.push(part);
      replace.set(n.output, part);
      dropped.add(n);
    }
  }
  if (dropped.size === 0) return g;
  const r = (v: IRValue) => replace.get(v) ?? v;
  return {
    inputs,
    constants: g.constants,
    nodes: g.nodes.filter((n) => !dropped.has(n)).map((n) => ({ ...n, inputs: n.inputs.map(r) })),
    outputs: g.outputs.map(r),
  };
}
