// The IR: the graph a traced function recorded, as SSA values and nodes; a checker that
// re-runs every shape rule, and a pretty-printer (snapshot tests use it).
import type { DType, TypedArray } from "./dtype.js";
import type { Prim, PrimAttrs } from "./primitive.js";
import type { Tensor } from "./tensor.js";
import { rule } from "./registry.js";
import { fmtShape } from "./errors.js";

export interface IRValue {
  shape: number[];
  dtype: DType;
  /** Printed name: in0…, c0…, or v0… */
  name: string;
}
export interface IRInput extends IRValue {
  /** Position among the traced function's flat inputs. */
  index: number;
  /** Fed as the flat range [start, end) of that input (a zero-copy view; see splitInputs). */
  view?: [number, number];
}
export interface IRConstant extends IRValue {
  data: TypedArray;
}
export interface IRNode {
  prim: Prim;
  inputs: IRValue[];
  attrs: PrimAttrs[Prim];
  output: IRValue;
}
export interface IRGraph {
  inputs: IRInput[];
  constants: IRConstant[];
  nodes: IRNode[];
  outputs: IRValue[];
}

const LEAKED = "a symbolic tensor from another traced function was used here; pass it in as an argument instead of capturing it";

/** Collect the graph between the traced inputs (placeholders) and `outputs`. */
export function buildGraph(outputs: readonly Tensor[], placeholders?: readonly Tensor[]): IRGraph {
  const own = placeholders ? new Set(placeholders) : null;
  const values = new Map<Tensor, IRValue>();
  const g: IRGraph = { inputs: [], constants: [], nodes: [], outputs: [] };
  const stack: [Tensor, boolean][] = outputs.map((t) => [t, false]);
  while (stack.length) {
    const [t, expanded] = stack.pop()!;
    if (values.has(t)) continue;
    if (t.data) {
      const c: IRConstant = { shape: [...t.shape], dtype: t.dtype, name: `c${g.constants.length}`, data: t.data };
      g.constants.push(c);
      values.set(t, c);
      continue;
    }
    if (t.inputIndex !== null) {
      if (own && !own.has(t)) throw new Error(`compile: ${t.describe()}: ${LEAKED}`);
      const v: IRInput = { shape: [...t.shape], dtype: t.dtype, name: `in${t.inputIndex}`, index: t.inputIndex };
      g.inputs.push(v);
      values.set(t, v);
      continue;
    }
    if (!t.creator) {
      throw new Error(`compile: ${t.describe()}: ${LEAKED}`);
    }
    if (!expanded) {
      stack.push([t, true]);
      for (const i of t.creator.inputs) if (!values.has(i)) stack.push([i, false]);
      continue;
    }
    const out: IRValue = { shape: [...t.shape], dtype: t.dtype, name: `v${g.nodes.length}` };
    g.nodes.push({ prim: t.creator.prim, inputs: t.creator.inputs.map((i) => values.get(i)!), attrs: t.creator.attrs, output: out });
    values.set(t, out);
  }
  g.inputs.sort((a, b) => a.index - b.index);
  g.outputs = outputs.map((t) => values.get(t)!);
  return g;
}

/** Validate a graph: every input defined before use, every node's type as its rule says. */
export function checkGraph(g: IRGraph): void {
  const defined = new Set<IRValue>([...g.inputs, ...g.constants]);
  g.nodes.forEach((n, k) => {
    for (const i of n.inputs) if (!defined.has(i)) throw new Error(`IR check: node ${k} (${n.prim}) uses ${i.name} before it is defined`);
    const t = rule(n.prim).shape(n.inputs.map((i) => ({ shape: i.shape, dtype: i.dtype })), n.attrs as never);
    if (t.dtype !== n.output.dtype || t.shape.length !== n.output.shape.length || t.shape.some((d, i) => d !== n.output.shape[i])) {
      throw new Error(`IR check: node ${k} (${n.prim}) should produce ${t.dtype}${fmtShape(t.shape)} but records ${n.output.dtype}${fmtShape(n.output.shape)}`);
    }
    defined.add(n.output);
  });
  for (const o of g.outputs) if (!defined.has(o)) throw new Error(`IR check: output ${o.name} is never defined`);
}

const typeStr = (v: IRValue) => `${v.dtype}${fmtShape(v.shape)}`;

function attrStr(attrs: object): string {
  const entries = Object.entries(attrs);
  return entries.length ? ` {${entries.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(", ")}}` : "";
}

/** A readable listing of the graph. */
export function printGraph(g: IRGraph): string {
  const lines = [`graph(${g.inputs.map((i) => `${i.name}: ${typeStr(i)}`).join(", ")}) {`];
  for (const c of g.constants) {
    const preview = c.data.length <= 4 ? Array.from(c.data).join(", ") : `${c.data.length} values`;
    lines.push(`  ${c.name}: ${typeStr(c)} = const(${preview})`);
  }
  for (const n of g.nodes) lines.push(`  ${n.output.name}: ${typeStr(n.output)} = ${n.prim}(${n.inputs.map((i) => i.name).join(", ")})${attrStr(n.attrs)}`);
  lines.push(`  return ${g.outputs.map((o) => o.name).join(", ")}`, "}");
  return lines.join("\n");
}

/** Each value's producing node and consuming nodes, and the graph's outputs (for lowering peepholes). */
export function graphIndex(g: IRGraph): { producer: Map<IRValue, IRNode>; uses: Map<IRValue, IRNode[]>; outputs: Set<IRValue> } {
  const producer = new Map<IRValue, IRNode>();
  const uses = new Map<IRValue, IRNode[]>();
  for (const n of g.nodes) {
    producer.set(n.output, n);
    for (const i of n.inputs) {
      const list = uses.get(i);
      if (list) list.push(n);
      else uses.set(i, [n]);
    }
  }
  return { producer, uses, outputs: new Set(g.outputs) };
}
