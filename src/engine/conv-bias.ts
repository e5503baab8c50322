// Lowering peephole: a per-channel bias added to a convolution's output becomes the Conv's (or
// ConvTranspose's) own B input. With the Add gone, a ReLU after the conv reads the conv directly,
// and ONNX Runtime fuses the pair into one kernel that applies bias and activation in its epilogue.
import { graphIndex, type IRGraph, type IRNode, type IRValue } from "./ir.js";
import type { PrimAttrs } from "./primitive.js";

export interface ConvBiasPlan {
  /** Conv nodes lowered as part of their bias add (skipped when reached). */
  absorbed: Set<IRNode>;
  /** Reshapes of the bias whose only consumer was folded (not emitted). */
  dead: Set<IRNode>;
  /** Add nodes whose lowering is the conv with its bias: the conv node and the 1-D bias. */
  emit: Map<IRNode, { conv: IRNode; bias: IRValue }>;
}

/** Whether the conv lowers to exactly one Conv/ConvTranspose node (so B can be its third input). */
function singleNode(n: IRNode): boolean {
  if (n.prim === "conv2d") return true;
  if (n.prim !== "convTranspose2d") return false;
  const a = n.attrs as PrimAttrs["convTranspose2d"];
  return a.outputPadding.every((op, i) => op < a.stride[i]);
}

export function planConvBias(g: IRGraph): ConvBiasPlan {
  const { producer, uses, outputs } = graphIndex(g);
  const plan: ConvBiasPlan = { absorbed: new Set(), dead: new Set(), emit: new Map() };
  for (const conv of g.nodes) {
    if (!singleNode(conv) || outputs.has(conv.output)) continue;
    const consumers = uses.get(conv.output) ?? [];
    const add = consumers.length === 1 ? consumers[0] : undefined;
    if (add?.prim !== "add" || add.inputs[0] === add.inputs[1]) continue;
    const other = add.inputs.find((v) => v !== conv.output)!;
    const channels = conv.output.shape[1];
    // the bias must be b reshaped to [C, 1, 1] with b of shape [C] (ONNX's B), in the same dtype
    const reshape = producer.get(other);
    const bias = reshape?.prim === "reshape" ? reshape.inputs[0] : undefined;
    if (!bias || bias.shape.length !== 1 || bias.shape[0] !== channels || bias.dtype !== conv.output.dtype) continue;
    if (other.shape.join() !== `${channels},1,1` || add.output.shape.join() !== conv.output.shape.join()) continue;
    plan.absorbed.add(conv);
    plan.emit.set(add, { conv, bias });
    if ((uses.get(other) ?? []).length === 1 && !outputs.has(other)) plan.dead.add(reshape!);
  }
  return plan;
}
