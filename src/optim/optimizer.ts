// The optimizer interface: pure functions of trees of tensors, written in Eikon ops so the
// update traces into the compiled training step (no host work per parameter). One optimizer
// object can serve many models; its state is an ordinary tree the caller holds (a GAN keeps
// one state per player). Trees may be whole models, params trees from partition, or one packed
// flat tensor — the update is elementwise, so a packed tree is the cheapest to run.
import { Tensor, cast, flattenTree, reshape, scalar, type DType } from "../engine/index.js";
import { allocate } from "../engine/dtype.js";
import type { HostUpdate } from "./host/update.js";

export interface Optimizer<S = unknown> {
  readonly name: string;
  /** The learning rate used when update() is given none. */
  readonly lr: number;
  /** Fresh state for these parameters (zeros, step 0). */
  init(params: unknown): S;
  /** One step: new parameters and state. `lr` (a scalar tensor, or a number baked into a trace) overrides the default. */
  update<P>(grads: P, state: S, params: P, lr?: Tensor | number): { params: P; state: S };
  /**
   * The same update fused and run on the host over a packed parameter vector (see host/update.ts);
   * training steps use it when present, so the compiled step returns only the gradient.
   */
  readonly host?: HostUpdate<S>;
}

/** The float dtype of a tree's tensors (the first leaf's). */
export function dtypeOfTree(tree: unknown): DType {
  const leaves = flattenTree(tree).leaves;
  if (leaves.length === 0) throw new Error("optimizer: the parameter tree holds no tensors");
  return leaves[0].dtype;
}

/** A learning rate as a number or a scalar tensor of the parameters' dtype. */
export function learningRate(lr: Tensor | number | undefined, fallback: number, dtype: DType): Tensor | number {
  if (lr === undefined) return fallback;
  if (typeof lr === "number") return lr;
  if (lr.size !== 1) throw new Error(`optimizer: the learning rate must be a scalar tensor, got ${lr.describe()}`);
  return cast(lr.rank === 0 ? lr : reshape(lr, []), dtype);
}

/** The scalar 0 of a dtype: a step counter's initial value. */
export const zeroStep = (dtype: DType): Tensor => scalar(0, dtype);

/**
 * Apply f leaf by leaf to aligned trees (the first one's structure is kept), collecting several
 * outputs per leaf: each output comes back as a tree shaped like trees[0].
 */
export function perLeaf<K extends string>(name: string, trees: readonly unknown[], f: (leaves: Tensor[]) => Record<K, Tensor>): Record<K, any> {
  const flats = trees.map((t) => flattenTree(t));
  const n = flats[0].leaves.length;
  flats.forEach((fl, i) => {
    if (fl.leaves.length !== n || fl.def !== flats[0].def) {
      throw new Error(`${name}: tree ${i} does not have the parameters' structure (${fl.leaves.length} tensors vs ${n}); grads and state must be shaped like params`);
    }
  });
  const outs: Partial<Record<K, Tensor[]>> = {};
  for (let i = 0; i < n; i++) {
    const r = f(flats.map((fl) => fl.leaves[i]));
    for (const k of Object.keys(r) as K[]) (outs[k] ??= []).push(r[k]);
  }
  const result = {} as Record<K, any>;
  for (const k of Object.keys(outs) as K[]) result[k] = flats[0].rebuild(outs[k]!);
  return result;
}

/** A tree of zeros shaped like params (concrete: for init). */
export function zerosLikeTree<T>(params: T): T {
  const flat = flattenTree(params);
  return flat.rebuild(flat.leaves.map((t) => new Tensor(t.shape, t.dtype, allocate(t.dtype, t.size))));
}
