// Lowering peephole: 2-D matmuls whose operands are transposes become ONNX Gemm with
// transA/transB (no explicit Transpose node), and a following bias add folds into Gemm's C.
// ONNX Runtime's own fusions miss some of these (a weight transpose stayed a separate node).
import { graphIndex, type IRGraph, type IRNode, type IRValue } from "./ir.js";
import type { PrimAttrs } from "./primitive.js";
import type { OnnxBuilder } from "./onnx-builder.js";

export interface GemmPlan {
  /** matmul nodes lowered as part of a Gemm (skipped when reached). */
  absorbed: Set<IRNode>;
  /** Transposes every consumer of which became a Gemm flag (not emitted). */
  dead: Set<IRNode>;
  /** Nodes whose lowering is a Gemm: the matmul itself, or the add that takes its bias. */
  emit: Map<IRNode, { a: IRValue; b: IRValue; transA: boolean; transB: boolean; c?: IRValue }>;
}

const isSwap2 = (n: IRNode | undefined) => n?.prim === "transpose" && (n.attrs as PrimAttrs["transpose"]).perm.join() === "1,0";

export function planGemms(g: IRGraph): GemmPlan {
  const { producer, uses, outputs } = graphIndex(g);
  const plan: GemmPlan = { absorbed: new Set(), dead: new Set(), emit: new Map() };
  const folded = new Map<IRNode, number>();
  for (const n of g.nodes) {
    if (n.prim !== "matmul" || n.inputs.some((i) => i.shape.length !== 2) || n.output.dtype === "int32" || n.output.dtype === "bool") continue;
    let [a, b] = n.inputs;
    const pa = producer.get(a), pb = producer.get(b);
    const transA = isSwap2(pa), transB = isSwap2(pb);
    if (transA) a = pa!.inputs[0];
    if (transB) b = pb!.inputs[0];
    const fold = () => {
      if (transA) folded.set(pa!, (folded.get(pa!) ?? 0) + 1);
      if (transB && pb !== pa) folded.set(pb!, (folded.get(pb!) ?? 0) + 1);
    };
    const consumers = uses.get(n.output) ?? [];
    const add = consumers.length === 1 && !outputs.has(n.output) ? consumers[0] : undefined;
    const bias = add?.prim === "add" ? add.inputs.find((v) => v !== n.output) : undefined;
    const n_ = n.output.shape[1];
    const biasOk = bias && add!.inputs.includes(n.output) && bias.dtype === n.output.dtype && (bias.shape.length === 0 || (bias.shape.length === 1 && bias.shape[0] === n_) || (bias.shape.length === 2 && bias.shape[0] === 1 && bias.shape[1] === n_));
    if (biasOk && !plan.emit.has(add!) && !plan.absorbed.has(producer.get(bias!)!)) {
      plan.absorbed.add(n);
      plan.emit.set(add!, { a, b, transA, transB, c: bias });
      fold();
    } else if (transA || transB) {
      plan.emit.set(n, { a, b, transA, transB });
      fold();
    }
  }
  for (const [t, count] of folded) if (count === (uses.get(t.output) ?? []).length && !outputs.has(t.output)) plan.dead.add(t);
  return plan;
}

export function emitGemm(b: OnnxBuilder, names: Map<IRValue, string>, spec: GemmPlan["emit"] extends Map<IRNode, infer S> ? S : never): string {
  const inputs = [names.get(spec.a)!, names.get(spec.b)!, ...(spec.c ? [names.get(spec.c)!] : [])];
  return b.op1("Gemm", inputs, { transA: spec.transA ? 1 : 0, transB: spec.transB ? 1 : 0 }, ["transA", "transB"]);
}
