// Multiply-adds of a traced step, counted from its IR graph: matmul, conv2d, convTranspose2d
// (everything else is memory-bound and counted as zero). FLOPs = 2 × MACs.
import type { IRGraph, IRNode } from "../src/engine/index.js";
import { simplifyGraph } from "../src/engine/simplify.js";

const prod = (xs: readonly number[]) => xs.reduce((a, b) => a * b, 1);

/** MACs of one node (0 for nodes that do no multiply-accumulate work). */
export function nodeMacs(n: IRNode): number {
  switch (n.prim) {
    case "matmul": {
      // [..., m, k] × [..., k, n] → [..., m, n]: one k-long dot product per output element
      const a = n.inputs[0].shape;
      return prod(n.output.shape) * a[a.length - 1];
    }
    case "conv2d": {
      // each output element is a dot product over (C/groups)·kh·kw inputs
      const w = n.inputs[1].shape;
      return prod(n.output.shape) * w[1] * w[2] * w[3];
    }
    case "convTranspose2d": {
      // each input element scatters into (O/groups)·kh·kw outputs
      const w = n.inputs[1].shape;
      return prod(n.inputs[0].shape) * w[1] * w[2] * w[3];
    }
    default:
      return 0;
  }
}

export interface FlopCount {
  macs: number;
  /** MACs by primitive. */
  byPrim: Record<string, number>;
  /** Nodes in the graph ONNX Runtime receives (after the engine's simplification). */
  nodes: number;
}

/**
 * MACs of a traced graph after the engine's simplification (what is emitted and run: common
 * subexpressions counted once, dead nodes dropped).
 */
export function countMacs(traced: IRGraph): FlopCount {
  const g = simplifyGraph(traced);
  const byPrim: Record<string, number> = {};
  let macs = 0;
  for (const n of g.nodes) {
    const m = nodeMacs(n);
    if (!m) continue;
    byPrim[n.prim] = (byPrim[n.prim] ?? 0) + m;
    macs += m;
  }
  return { macs, byPrim, nodes: g.nodes.length };
}

