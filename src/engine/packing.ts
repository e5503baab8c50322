// Parameter packing: a tree's tensors laid end to end in one flat typed array, so a training
// step feeds and returns a few large buffers instead of hundreds of small tensors
// (each ONNX Runtime input costs ~3 µs, each output ~4.5 µs plus a copy).
import { Tensor } from "./tensor.js";
import { allocate, sizeOf, type DType } from "./dtype.js";
import { flatten } from "./tree.js";
import * as ops from "./ops.js";

export interface PackEntry {
  /** State-dict style name: object keys and array indices joined by dots (`encoder.0.weight`). */
  name: string;
  shape: number[];
  offset: number;
  size: number;
}

export interface PackSpec {
  entries: PackEntry[];
  total: number;
  dtype: DType;
  /** The tree's structure, to rebuild it. */
  def: string;
  rebuild(leaves: readonly Tensor[]): any;
}

/** Dotted names of a tree's leaves, in flatten order. */
export function leafNames(tree: unknown): string[] {
  const names: string[] = [];
  const walk = (node: unknown, path: string[]) => {
    if (node instanceof Tensor) {
      names.push(path.join("."));
      return;
    }
    if (node === null || typeof node !== "object") return;
    if (Array.isArray(node)) node.forEach((v, i) => walk(v, [...path, String(i)]));
    else for (const k of Object.keys(node)) walk((node as Record<string, unknown>)[k], [...path, k]);
  };
  walk(tree, []);
  return names;
}

/** The layout of a tree's tensors in a flat buffer. */
export function packSpec(tree: unknown, dtype?: DType): PackSpec {
  const flat = flatten(tree);
  const names = leafNames(tree);
  const dt = dtype ?? flat.leaves[0]?.dtype ?? "float32";
  let offset = 0;
  const entries = flat.leaves.map((t, i) => {
    if (t.dtype !== dt) throw new Error(`packSpec: '${names[i]}' is ${t.dtype} but the pack holds ${dt}`);
    const e = { name: names[i], shape: [...t.shape], offset, size: sizeOf(t.shape) };
    offset += e.size;
    return e;
  });
  return { entries, total: offset, dtype: dt, def: flat.def, rebuild: flat.rebuild };
}

/** Host side: copy a tree of concrete tensors into one flat tensor. */
export function packTree(tree: unknown, spec: PackSpec = packSpec(tree)): { flat: Tensor; spec: PackSpec } {
  const leaves = flatten(tree).leaves;
  const data = allocate(spec.dtype, spec.total);
  spec.entries.forEach((e, i) => data.set(leaves[i].values(), e.offset));
  return { flat: new Tensor([spec.total], spec.dtype, data), spec };
}

/** Rebuild the tree from a flat tensor: zero-copy views on the host, slices in a trace. */
export function unpackTree(flat: Tensor, spec: PackSpec): any {
  if (flat.shape.length !== 1 || flat.shape[0] !== spec.total) throw new Error(`unpackTree: expected a flat tensor of ${spec.total} values, got [${flat.shape.join(", ")}]`);
  const data = flat.data;
  const leaves = spec.entries.map((e) =>
    data ? new Tensor(e.shape, spec.dtype, data.subarray(e.offset, e.offset + e.size)) : ops.reshape(ops.sliceAxis(flat, 0, e.offset, e.offset + e.size), e.shape),
  );
  return spec.rebuild(leaves);
}

/** In a trace: lay a tree's tensors end to end (the packed output of a step). */
export function packInGraph(tree: unknown, spec: PackSpec): Tensor {
  return ops.concat(packedPieces(tree, spec).map((t) => ops.reshape(t, [t.size])), 0);
}

/**
 * The pieces packInGraph concatenates: each leaf in the spec's dtype, in packing order, in its own
 * shape (readers take the values flat). Returning these instead of the packed vector saves the
 * graph a Concat over the whole vector when the host assembles it anyway (the host optimizer
 * update); keeping the shapes saves a copy per piece (a Reshape feeding a graph output copies).
 */
export function packedPieces(tree: unknown, spec: PackSpec): Tensor[] {
  const leaves = flatten(tree).leaves;
  if (leaves.length !== spec.entries.length) throw new Error(`packInGraph: the tree has ${leaves.length} tensors, the spec ${spec.entries.length}`);
  return leaves.map((t, i) => {
    const e = spec.entries[i];
    if (t.size !== e.size) throw new Error(`packInGraph: '${e.name}' has ${t.size} values, the spec ${e.size}`);
    return ops.cast(t, spec.dtype);
  });
}
