// Clipping, in-graph: gradients by their global norm (torch.nn.utils.clip_grad_norm_), and
// weights to [−c, c] after the update (the WGAN critic's Lipschitz constraint).
import { Tensor, add, clip, div, flattenTree, minimum, mul, scalar, sqrt, sum, mapTree } from "../engine/index.js";
import type { Optimizer } from "./optimizer.js";
import type { HostUpdate } from "./host/update.js";

/** ‖concat(all leaves)‖₂ as a scalar tensor. */
export function globalNorm(tree: unknown): Tensor {
  const leaves = flattenTree(tree).leaves;
  if (leaves.length === 0) throw new Error("globalNorm: the tree holds no tensors");
  return sqrt(leaves.map((t) => sum(mul(t, t))).reduce((a, b) => add(a, b)));
}

/** Scale every gradient by min(1, maxNorm/(‖g‖ + 1e−6)), as clip_grad_norm_; also returns ‖g‖ before clipping. */
export function clipByGlobalNorm<T>(grads: T, maxNorm: number): { grads: T; norm: Tensor } {
  if (!(maxNorm > 0)) throw new Error(`clipByGlobalNorm: maxNorm must be positive, got ${maxNorm}`);
  const norm = globalNorm(grads);
  const coef = minimum(div(maxNorm, add(norm, 1e-6)), 1);
  return { grads: mapTree(grads, (g) => mul(g, coef)), norm };
}

/** Every parameter clamped to [−c, c]. */
export function clipWeights<T>(params: T, c: number): T {
  if (!(c > 0)) throw new Error(`clipWeights: c must be positive, got ${c}`);
  return mapTree(params, (p) => clip(p, -c, c));
}

export interface GradClipState<S> {
  inner: S;
  /** The gradients' global norm at the last step, before clipping (for logging). */
  gradNorm: Tensor;
}

/** An optimizer that clips the gradients by their global norm first. */
export function withGradClip<S>(opt: Optimizer<S>, maxNorm: number): Optimizer<GradClipState<S>> {
  return {
    name: `${opt.name}+clip`,
    lr: opt.lr,
    init: (params) => {
      const leaf = flattenTree(params).leaves[0];
      return { inner: opt.init(params), gradNorm: new Tensor([], leaf.dtype, leaf.dtype === "float64" ? new Float64Array(1) : new Float32Array(1)) };
    },
    update(grads, state, params, lr) {
      const c = clipByGlobalNorm(grads, maxNorm);
      const r = opt.update(c.grads, state.inner, params, lr);
      return { params: r.params, state: { inner: r.state, gradNorm: c.norm } };
    },
    host: hostWith(opt.host, (inner) => ({
      apply(params, grad, state, lr, mods) {
        const r = inner.apply(params, grad, state.inner, lr, { ...mods, maxGradNorm: maxNorm });
        return { params: r.params, state: { inner: r.state, gradNorm: scalar(r.gradNorm!, params.dtype) }, gradNorm: r.gradNorm };
      },
    })),
  };
}

/** A wrapper's host update, present only when the wrapped optimizer has one. */
function hostWith<S, W>(inner: HostUpdate<S> | undefined, wrap: (inner: HostUpdate<S>) => HostUpdate<W>): HostUpdate<W> | undefined {
  return inner ? wrap(inner) : undefined;
}

/** An optimizer whose parameters are clamped to [−c, c] after each update (WGAN). */
export function withWeightClip<S>(opt: Optimizer<S>, c: number): Optimizer<S> {
  if (!(c > 0)) throw new Error(`withWeightClip: c must be positive, got ${c}`);
  return {
    name: `${opt.name}+weightclip`,
    lr: opt.lr,
    init: (params) => opt.init(params),
    update(grads, state, params, lr) {
      const r = opt.update(grads, state, params, lr);
      return { params: clipWeights(r.params, c), state: r.state };
    },
    host: hostWith(opt.host, (inner) => ({
      apply: (params, grad, state, lr, mods) => inner.apply(params, grad, state, lr, { ...mods, clampWeights: c }),
    })),
  };
}
