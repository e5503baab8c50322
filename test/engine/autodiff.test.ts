// Autodiff beyond single primitives: higher derivatives, the WGAN-GP gradient penalty (a
// gradient inside the loss, differentiated again: eager float64 against finite differences,
// and compiled float32 through ONNX Runtime against eager), shared subexpressions, pytrees.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compile, grad, Rng, Tensor, valueAndGrad, vjp } from "../../src/engine/index.js";
import { flatten } from "../../src/engine/tree.js";
import * as ops from "../../src/engine/ops.js";
import { checkGrads, numericGrad } from "./gradcheck.js";

const f64 = (shape: number[], values: ArrayLike<number>) => new Tensor(shape, "float64", Float64Array.from(values));
const randn = (rng: Rng, shape: number[], std = 1) => new Tensor(shape, "float64", rng.fillNormal(new Float64Array(shape.reduce((n, d) => n * d, 1)), 0, std));

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, atol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    const err = Math.abs(actual[i] - expected[i]);
    if (!(err <= atol + rtol * Math.abs(expected[i]))) assert.fail(`${what}: element ${i} is ${actual[i]}, expected ${expected[i]} (|diff| ${err.toExponential(2)})`);
  }
}

describe("higher derivatives of scalar functions", () => {
  const xs = [-1.5, -0.3, 0, 0.7, 2];
  const x = f64([xs.length], xs);
  // d/dx Σ f(x) gives f'(x) elementwise; differentiating Σ f'(x) again gives f''(x)
  const d = (f: (t: Tensor) => Tensor) => (t: Tensor) => grad((u: Tensor) => ops.sum(f(u)))(t) as Tensor;

  it("d²/dx² x³ = 6x and d³/dx³ x³ = 6 (x·x·x and pow)", () => {
    for (const cube of [(t: Tensor) => ops.mul(ops.mul(t, t), t), (t: Tensor) => ops.pow(t, 3)]) {
      assertClose(d(cube)(x).values(), xs.map((v) => 3 * v * v), 1e-14, 1e-14, "f'");
      assertClose(d(d(cube))(x).values(), xs.map((v) => 6 * v), 1e-14, 1e-14, "f''");
      const third = d(d(d(cube)))(f64([3], [0.5, 1, 2])).values();
      assertClose(third, [6, 6, 6], 1e-13, 1e-13, "f'''");
    }
  });

  it("d²/dx² tanh x = −2 tanh x (1 − tanh² x)", () => {
    const t = xs.map(Math.tanh);
    assertClose(d(ops.tanh)(x).values(), t.map((v) => 1 - v * v), 1e-14, 1e-15, "tanh'");
    assertClose(d(d(ops.tanh))(x).values(), t.map((v) => -2 * v * (1 - v * v)), 1e-14, 1e-15, "tanh''");
    // third: −2(1 − tanh²)(1 − 3 tanh²)
    assertClose(d(d(d(ops.tanh)))(x).values(), t.map((v) => -2 * (1 - v * v) * (1 - 3 * v * v)), 1e-13, 1e-14, "tanh'''");
  });

  it("d²/dx² of softplus, sigmoid, log and x·eˣ match closed forms", () => {
    const s = xs.map((v) => 1 / (1 + Math.exp(-v)));
    assertClose(d(d(ops.softplus))(x).values(), s.map((v) => v * (1 - v)), 1e-14, 1e-15, "softplus''");
    assertClose(d(d(ops.sigmoid))(x).values(), s.map((v) => v * (1 - v) * (1 - 2 * v)), 1e-14, 1e-15, "sigmoid''");
    const pos = f64([3], [0.5, 1, 3]);
    assertClose(d(d(ops.log))(pos).values(), [0.5, 1, 3].map((v) => -1 / (v * v)), 1e-14, 0, "log''");
    assertClose(d(d((t) => ops.mul(t, ops.exp(t))))(x).values(), xs.map((v) => (2 + v) * Math.exp(v)), 1e-14, 1e-15, "(x eˣ)''");
  });
});

// ── the gradient penalty ────────────────────────────────────────────────────
interface Critic {
  layers: { w: Tensor; b: Tensor }[];
}

function initCritic(rng: Rng): Critic {
  const dims = [2, 8, 8, 1];
  return {
    layers: dims.slice(1).map((out, i) => ({ w: randn(rng, [out, dims[i]], 1 / Math.sqrt(dims[i]) * 1.5), b: randn(rng, [out], 0.3) })),
  };
}

/** f: 2 → 8 → 8 → 1 with tanh then softplus. */
function critic(p: Critic, x: Tensor): Tensor {
  const [l1, l2, l3] = p.layers;
  const h1 = ops.tanh(ops.linear(x, l1.w, l1.b));
  const h2 = ops.softplus(ops.linear(h1, l2.w, l2.b));
  return ops.linear(h2, l3.w, l3.b);
}

/** mean over the batch of (‖∇ₓ f(x)‖₂ − 1)². */
function gradientPenalty(p: Critic, x: Tensor): Tensor {
  const gx = grad((xx: Tensor) => ops.sum(critic(p, xx)))(x) as Tensor; // [B, 2]: per-sample gradients
  const norm = ops.sqrt(ops.sum(ops.square(gx), 1));
  return ops.mean(ops.square(ops.sub(norm, 1)));
}

describe("gradient penalty ∇θ mean((‖∇ₓ f(x)‖₂ − 1)²)", () => {
  const rng = new Rng(2024);
  const theta = initCritic(rng);
  const x = randn(rng, [6, 2]);

  it("matches central finite differences in float64 (every parameter)", () => {
    const { value, grad: g } = valueAndGrad(gradientPenalty)(theta, x);
    assert.ok(value.item() > 1e-3, "penalty is not trivially zero");
    const flatTheta = flatten(theta);
    const flatGrad = flatten(g);
    assert.equal(flatGrad.def, flatTheta.def, "gradient has the parameters' structure");
    flatTheta.leaves.forEach((leaf, k) => {
      const num = numericGrad((v) => gradientPenalty(flatTheta.rebuild(flatTheta.leaves.map((l, j) => (j === k ? v : l))), x).item(), leaf, 1e-5);
      const scale = Math.max(...Array.from(num, Math.abs));
      assertClose(flatGrad.leaves[k].values(), num, 1e-6, 1e-7 * scale + 1e-10, `∂penalty/∂θ leaf ${k} ${leaf.describe()}`);
    });
  });

  it("passes checkGrads (first order) as a function of the flat parameters and of x", () => {
    const flat = flatten(theta);
    checkGrads((...leaves: Tensor[]) => gradientPenalty(flat.rebuild(leaves.slice(0, -1)), leaves[leaves.length - 1]), [...flat.leaves, x], { label: "gradient penalty", eps: 1e-5 });
  });

  it("compiled float32 in onnxruntime-node agrees with eager float64 (value and θ-gradient, ~1e-4)", async () => {
    const eager = valueAndGrad(gradientPenalty)(theta, x);
    const to32 = <T>(t: T): T => flatten(t).rebuild(flatten(t).leaves.map((l) => ops.cast(l, "float32")));
    const step = compile((p: Critic, xx: Tensor) => {
      const { value, grad: g } = valueAndGrad(gradientPenalty)(p, xx);
      return { value, grad: g as Critic };
    }, { name: "gradient_penalty" });
    try {
      const out = await step(to32(theta), to32(x));
      assert.equal(out.value.dtype, "float32");
      const v = eager.value.item();
      assert.ok(Math.abs(out.value.item() - v) <= 1e-4 * Math.abs(v), `value ${out.value.item()} vs ${v}`);
      const got = flatten(out.grad);
      const want = flatten(eager.grad);
      assert.equal(got.def, want.def);
      const scale = Math.max(...want.leaves.flatMap((l) => Array.from(l.values(), Math.abs)));
      got.leaves.forEach((l, k) => {
        assert.equal(l.dtype, "float32");
        assertClose(l.values(), want.leaves[k].values(), 1e-4, 1e-5 * scale, `compiled ∂penalty/∂θ leaf ${k}`);
      });
    } finally {
      await step.dispose();
    }
  });
});

// ── accumulation, pytrees, unused parameters ───────────────────────────────
describe("gradient bookkeeping", () => {
  const xs = [-1.2, 0.4, 2];
  const x = f64([3], xs);

  it("accumulates through a variable used several times", () => {
    // f = Σ x·x + Σ eˣ·x  ⇒  f' = 2x + eˣ(1 + x)
    const g = grad((t: Tensor) => ops.add(ops.sum(ops.mul(t, t)), ops.sum(ops.mul(ops.exp(t), t))))(x) as Tensor;
    assertClose(g.values(), xs.map((v) => 2 * v + Math.exp(v) * (1 + v)), 1e-15, 1e-15, "x used four times");
  });

  it("accumulates through a shared intermediate (a diamond)", () => {
    // y = tanh x used twice: f = Σ (y·y + y)  ⇒  f' = (2y + 1)(1 − y²)
    const g1 = grad((t: Tensor) => {
      const y = ops.tanh(t);
      return ops.sum(ops.add(ops.mul(y, y), y));
    })(x) as Tensor;
    assertClose(g1.values(), xs.map((v) => (2 * Math.tanh(v) + 1) * (1 - Math.tanh(v) ** 2)), 1e-15, 1e-15, "tanh diamond");
    // a = 2x, b = a + a, f = Σ b·a = Σ 8x²  ⇒  f' = 16x
    const g2 = grad((t: Tensor) => {
      const a = ops.mul(t, 2);
      const b = ops.add(a, a);
      return ops.sum(ops.mul(b, a));
    })(x) as Tensor;
    assertClose(g2.values(), xs.map((v) => 16 * v), 1e-15, 0, "a + a");
  });

  it("the same tensor passed in two places of the pytree gets two separate gradients", () => {
    const a = f64([3], [1, 2, 3]);
    const g = grad((p: [Tensor, Tensor]) => ops.sum(ops.mul(ops.mul(p[0], p[0]), p[1])))([a, a]) as Tensor[];
    // ∂/∂p0 of Σ p0²·p1 = 2·p0·p1; ∂/∂p1 = p0²; with p0 = p1 = a
    assert.deepEqual(g[0].toArray(), [2, 8, 18]);
    assert.deepEqual(g[1].toArray(), [1, 4, 9]);
  });

  it("the gradient of a nested pytree has the same structure; unused leaves get zeros", () => {
    const rng = new Rng(9);
    const params = {
      enc: { w: randn(rng, [3, 2]), b: [randn(rng, [3]), randn(rng, [])] },
      dec: [{ w: randn(rng, [2, 3]) }],
      unused: randn(rng, [4, 1]),
      unused32: new Tensor([2], "float32", new Float32Array([1, 2])),
      steps: 3,
      name: "model",
    };
    const input = randn(rng, [5, 2]);
    const loss = (p: typeof params, xx: Tensor) => {
      const h = ops.tanh(ops.add(ops.linear(xx, p.enc.w, p.enc.b[0]), p.enc.b[1]));
      return ops.mean(ops.square(ops.matmul(h, ops.mT(p.dec[0].w))));
    };
    const g = grad(loss)(params, input) as typeof params;
    assert.equal(flatten(g).def, flatten(params).def);
    assert.equal(g.steps, 3);
    assert.equal(g.name, "model");
    assert.deepEqual([...g.unused.shape], [4, 1]);
    assert.equal(g.unused.dtype, "float64");
    assert.ok(g.unused.values().every((v) => v === 0));
    assert.equal(g.unused32.dtype, "float32");
    assert.deepEqual(g.unused32.toArray(), [0, 0]);
    flatten(g).leaves.forEach((leaf, k) => {
      const p = flatten(params).leaves[k];
      assert.deepEqual([...leaf.shape], [...p.shape]);
      assert.equal(leaf.dtype, p.dtype);
    });
    // and the used leaves are right: finite differences on one of them
    const num = numericGrad((v) => loss({ ...params, enc: { ...params.enc, b: [params.enc.b[0], v] } }, input).item(), params.enc.b[1]);
    assertClose(g.enc.b[1].values(), num, 1e-7, 1e-10, "enc.b[1]");
  });

  it("vjp: several outputs, cotangents summed; null where nothing connects", () => {
    const a = f64([2], [1, 2]);
    const b = f64([2], [3, 4]);
    const unrelated = f64([2], [5, 6]);
    const y1 = ops.mul(a, b);
    const y2 = ops.exp(a);
    const [ga, gb, gu] = vjp([y1, y2], [f64([2], [1, 1]), f64([2], [2, 2])], [a, b, unrelated]);
    assertClose(ga!.values(), [3 + 2 * Math.E, 4 + 2 * Math.exp(2)], 1e-15, 0, "a");
    assert.deepEqual(gb!.toArray(), [1, 2]);
    assert.equal(gu, null);
  });

  it("argnum selects the argument; hasAux passes the auxiliary value through", () => {
    const a = f64([2], [1, 2]);
    const b = f64([2], [3, 4]);
    const gb = grad((p: Tensor, q: Tensor) => ops.sum(ops.mul(p, ops.square(q))), { argnum: 1 })(a, b) as Tensor;
    assert.deepEqual(gb.toArray(), [6, 16]);
    const r = valueAndGrad((p: Tensor) => [ops.sum(ops.square(p)), { note: "aux" }] as [Tensor, { note: string }], { hasAux: true })(a);
    assert.equal(r.value.item(), 5);
    assert.deepEqual((r.grad as Tensor).toArray(), [2, 4]);
    assert.deepEqual(r.aux, { note: "aux" });
  });
});
