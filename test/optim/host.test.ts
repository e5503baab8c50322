// The host-side optimizer update (src/optim/host): the WebAssembly SIMD kernel and the float64
// JavaScript loop against the in-graph update they replace, with the clipping wrappers, on
// lengths that are not a multiple of the SIMD width; the in-place contract; bad arguments; and
// that the committed kernel bytes are assembled from kernels.wat.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { describe, it } from "node:test";
import { Rng, Tensor, type DType } from "../../src/engine/index.js";
import { adam, adamw, rmsprop, sgd, withEma, withGradClip, withWeightClip, type Optimizer } from "../../src/optim/index.js";
import { Arena } from "../../src/optim/host/arena.js";

const vec = (rng: Rng, n: number, dtype: DType, scale = 1): Tensor => {
  const d = dtype === "float64" ? new Float64Array(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) d[i] = rng.normal() * scale;
  return new Tensor([n], dtype, d);
};

const maxRelDiff = (a: Tensor, b: Tensor): number => {
  const x = a.values();
  const y = b.values();
  let worst = 0;
  for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]) / (1 + Math.abs(y[i])));
  return worst;
};

/** Runs `steps` updates both ways from the same start; returns the worst difference |a − b|/(1 + |b|) of params and moments. */
function compare(opt: Optimizer<any>, n: number, dtype: DType, steps: number, lr: number): number {
  const rng = new Rng(7);
  const p0 = vec(rng, n, dtype);
  const grads = Array.from({ length: steps }, () => vec(rng, n, dtype, 3));
  let pg = p0;
  let sg = opt.init(p0);
  let ph = new Tensor([n], dtype, p0.values().slice());
  let sh = opt.init(ph);
  let worst = 0;
  for (const g of grads) {
    ({ params: pg, state: sg } = opt.update(g, sg, pg, lr));
    const r = opt.host!.apply(ph, g, sh, lr);
    ph = r.params;
    sh = r.state;
    worst = Math.max(worst, maxRelDiff(ph, pg));
  }
  const inner = (s: any): any => (s.inner ? inner(s.inner) : s);
  if ("ema" in sg) worst = Math.max(worst, maxRelDiff(sh.ema, sg.ema));
  // every state tensor (moments, buffers), compared like the parameters
  for (const key of Object.keys(inner(sg))) {
    const [a, b] = [inner(sh)[key], inner(sg)[key]];
    if (key === "step") assert.equal(a.item(), steps, "the step count advanced");
    else if (b === null) assert.equal(a, null, `${key} stays absent`);
    else worst = Math.max(worst, maxRelDiff(a, b));
  }
  return worst;
}

const optimizers: [string, () => Optimizer<any>][] = [
  ["adam", () => adam({ lr: 1e-2 })],
  ["adam + L2 weight decay", () => adam({ lr: 1e-2, betas: [0.5, 0.9], weightDecay: 0.1 })],
  ["adamw", () => adamw({ lr: 1e-2, weightDecay: 0.05 })],
  ["adam + grad clip", () => withGradClip(adam({ lr: 1e-2 }), 0.5)],
  ["adam + weight clip", () => withWeightClip(adam({ lr: 1e-2 }), 0.3)],
  ["sgd", () => sgd({ lr: 1e-2 })],
  ["sgd + momentum + L2", () => sgd({ lr: 1e-2, momentum: 0.9, weightDecay: 0.1 })],
  ["sgd + Nesterov + grad clip", () => withGradClip(sgd({ lr: 1e-2, momentum: 0.8, nesterov: true }), 1)],
  ["rmsprop", () => rmsprop({ lr: 1e-2 })],
  ["rmsprop centered + momentum + L2 + weight clip", () => withWeightClip(rmsprop({ lr: 1e-2, centered: true, momentum: 0.9, weightDecay: 0.05 }), 0.5)],
  ["rmsprop + momentum + grad clip", () => withGradClip(rmsprop({ lr: 5e-5, momentum: 0.5 }), 2)],
  ["EMA of adam + grad clip", () => withEma(withGradClip(adam({ lr: 1e-2 }), 1), 0.9)],
];

describe("host optimizer update vs the in-graph update", () => {
  for (const [name, make] of optimizers) {
    it(`${name}: float64 JavaScript loop to 1e-12, float32 WebAssembly kernel to 5e-6`, () => {
      assert.ok(compare(make(), 1003, "float64", 6, 1e-2) < 1e-12);
      // float32: 1e-7–7e-7 for Adam, SGD and RMSprop; centered RMSprop's √(s − ḡ²) cancels, 2.5e-6
      assert.ok(compare(make(), 1003, "float32", 6, 1e-2) < 5e-6);
    });
  }

  it("float32 state moves into an arena once, then is updated in place (no copies per step)", () => {
    const opt = adam({ lr: 1e-3 });
    const rng = new Rng(1);
    const p0 = vec(rng, 10, "float32");
    const before = p0.toArray();
    const s0 = opt.init(p0);
    const r1 = opt.host!.apply(p0, vec(rng, 10, "float32"), s0, 1e-3);
    assert.deepEqual(p0.toArray(), before, "the first call copies the caller's arrays instead of overwriting them");
    const arena = Arena.of(r1.params.values() as Float32Array);
    assert.ok(arena, "parameters live in WebAssembly memory");
    const r2 = opt.host!.apply(r1.params, vec(rng, 10, "float32"), r1.state, 1e-3);
    assert.equal(r2.params.values(), r1.params.values(), "same array, updated in place");
    assert.equal(r2.state.expAvg.values(), r1.state.expAvg.values());
    assert.notDeepEqual(r2.params.toArray(), before);
    const gc = withGradClip(adam(), 1);
    const r3 = gc.host!.apply(r2.params, new Tensor([10], "float32", new Float32Array(10).fill(3)), gc.init(r2.params), 1e-3);
    assert.ok(Math.abs(r3.gradNorm! - Math.sqrt(90)) < 1e-5, "grad clip reports ‖g‖ before clipping");
    assert.ok(Math.abs(r3.state.gradNorm.item() - Math.sqrt(90)) < 1e-5);
  });

  it("the gradient may come as consecutive pieces (no Concat in the graph)", () => {
    for (const dtype of ["float32", "float64"] as const) {
      const opt = withGradClip(adamw({ lr: 1e-2 }), 2);
      const rng = new Rng(3);
      const p = vec(rng, 11, dtype);
      const g = vec(rng, 11, dtype);
      const cut = (a: number, b: number) => new Tensor([b - a], dtype, g.values().slice(a, b));
      const whole = opt.host!.apply(new Tensor([11], dtype, p.values().slice()), g, opt.init(p), 1e-2);
      const split = opt.host!.apply(new Tensor([11], dtype, p.values().slice()), [cut(0, 3), cut(3, 4), cut(4, 11)], opt.init(p), 1e-2);
      assert.deepEqual(split.params.toArray(), whole.params.toArray(), dtype);
      assert.equal(split.gradNorm, whole.gradNorm);
      assert.throws(() => opt.host!.apply(p, [cut(0, 3)], opt.init(p), 1e-2), /the gradient must be a concrete .* vector of 11 elements/);
    }
  });

  it("wrappers have a host form exactly when what they wrap has one", () => {
    assert.ok(withGradClip(sgd(), 1).host);
    assert.ok(withWeightClip(rmsprop(), 0.01).host);
    assert.ok(withEma(adam(), 0.999).host);
    const inGraphOnly = { ...adam(), host: undefined };
    assert.equal(withEma(inGraphOnly, 0.999).host, undefined);
    assert.equal(withGradClip(inGraphOnly, 1).host, undefined);
  });

  it("bad arguments are refused before any memory is written", () => {
    const opt = adam();
    const p = new Tensor([8], "float32", new Float32Array(8));
    assert.throws(() => opt.host!.apply(p, new Tensor([7], "float32", new Float32Array(7)), opt.init(p), 1e-3), /the gradient must be a concrete float32 vector of 8 elements/);
    assert.throws(() => opt.host!.apply(new Tensor([2, 4], "float32", new Float32Array(8)), p, opt.init(p), 1e-3), /one packed, concrete 1-D parameter vector/);
    assert.throws(() => opt.host!.apply(p, new Tensor([8], "float64", new Float64Array(8)), opt.init(p), 1e-3), /float32 vector/);
  });

  it("the committed kernel bytes are assembled from kernels.wat", () => {
    const out = execFileSync(process.execPath, ["scripts/build-wasm.mjs", "--check"], { encoding: "utf8" });
    assert.match(out, /up to date/);
  });
});
