// Forward and gradients of each layer against PyTorch (float64 goldens in modules.json).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Rng, Tensor, add, conv2d, mul, reshape, sum, valueAndGrad } from "../../src/engine/index.js";
import {
  Context,
  Conv2d,
  ConvTranspose2d,
  Embedding,
  LayerNorm,
  Linear,
  MaskedConv2d,
  causalMask,
  loadNamedTensors,
  namedTensors,
  type Layer,
} from "../../src/nn/index.js";
import { T, assertClose, fixture } from "./helpers.js";

const cases = fixture("modules.json").cases;
const TOL = 1e-10;

function load<M extends Layer>(m: M, params: Record<string, any>): M {
  return loadNamedTensors(m, Object.fromEntries(Object.entries(params).map(([k, v]) => [k, T(v as any)])));
}

/** Forward, then L = Σ y·g and its gradients with respect to the input and every parameter. */
function check(m: Layer, c: any, label: string, ctx = () => Context.eval()): void {
  const x = T(c.input);
  const g = T(c.grad_output);
  const y = m.forward(x, ctx());
  assertClose(y, c.output, TOL, `${label} output`);
  const { grad } = valueAndGrad((p: { m: Layer; x: Tensor }) => sum(mul(p.m.forward(p.x, ctx()), g)))({ m, x });
  assertClose(grad.x, c.grads.input, TOL, `${label} d/dinput`);
  const named = namedTensors(grad.m);
  for (const [name, expected] of Object.entries(c.grads)) {
    if (name === "input") continue;
    assertClose(named.get(name)!, expected as any, TOL, `${label} d/d${name}`);
  }
}

describe("layers match PyTorch", () => {
  it("Linear", () => {
    const c = cases.linear;
    check(load(new Linear(5, 3, { rng: 0, dtype: "float64" }), c.params), c, "Linear");
  });

  for (const key of ["conv2d", "conv2d_dilated_grouped"]) {
    it(`Conv2d (${key})`, () => {
      const c = cases[key];
      const k = c.config;
      const m = new Conv2d(k.in_channels, k.out_channels, k.kernel_size, { rng: 0, dtype: "float64", stride: k.stride, padding: k.padding, dilation: k.dilation, groups: k.groups });
      check(load(m, c.params), c, key);
    });
  }

  for (const key of ["conv_transpose2d", "conv_transpose2d_output_padding"]) {
    it(`ConvTranspose2d (${key})`, () => {
      const c = cases[key];
      const k = c.config;
      const m = new ConvTranspose2d(k.in_channels, k.out_channels, k.kernel_size, { rng: 0, dtype: "float64", stride: k.stride, padding: k.padding, outputPadding: k.output_padding });
      check(load(m, c.params), c, key);
    });
  }

  for (const key of ["layernorm_last", "layernorm_last2"]) {
    it(`LayerNorm (${key})`, () => {
      const c = cases[key];
      check(load(new LayerNorm(c.config.normalized_shape, { dtype: "float64", eps: c.config.eps }), c.params), c, key);
    });
  }

  it("Embedding (repeated indices accumulate gradient)", () => {
    const c = cases.embedding;
    const m = load(new Embedding(10, 4, { rng: 0, dtype: "float64" }), c.params);
    const idx = T(c.indices, "int32");
    assertClose(m.forward(idx, Context.eval()), c.output, TOL, "Embedding output");
    const { grad } = valueAndGrad((e: Embedding) => sum(mul(e.forward(idx, Context.eval()), T(c.grad_output))))(m);
    assertClose(grad.weight, c.grads.weight, TOL, "Embedding d/dweight");
    assert.throws(() => m.forward(T(c.indices), Context.eval()), /indices must be int32/);
  });

  for (const type of ["A", "B"] as const) {
    it(`MaskedConv2d type ${type}`, () => {
      const c = cases[`masked_conv_${type}`];
      const m = load(new MaskedConv2d(2, 3, 5, { maskType: type, rng: 0, dtype: "float64" }), c.params);
      assert.deepEqual([...m.padding], [2, 2]);
      assertClose(causalMask([5, 5], type, "float64"), c.mask, 0, `mask ${type}`);
      assertClose(m.maskedWeight(), c.masked_weight, 0, `masked weight ${type}`);
      check(m, c, `MaskedConv2d ${type}`);
    });
  }
});

describe("masked convolutions are causal", () => {
  // pytorch-generative's check: the gradient of one output pixel reaches only earlier pixels
  for (const type of ["A", "B"] as const) {
    it(`type ${type}: output (r, c) depends on pixels before it${type === "B" ? " and itself" : ""}`, () => {
      const m = new MaskedConv2d(1, 1, 5, { maskType: type, rng: 3, dtype: "float64" });
      const [H, W, r, c] = [7, 7, 3, 4];
      const x = new Tensor([1, 1, H, W], "float64", new Float64Array(H * W).fill(1));
      const pick = new Float64Array(H * W);
      pick[r * W + c] = 1;
      const dx = valueAndGrad((x: Tensor) => sum(mul(m.forward(x, Context.eval()), new Tensor([1, 1, H, W], "float64", pick))))(x).grad as Tensor;
      const v = dx.toArray();
      for (let i = 0; i < H; i++) {
        for (let j = 0; j < W; j++) {
          const allowed = i < r || (i === r && (j < c || (type === "B" && j === c)));
          if (!allowed) assert.equal(v[i * W + j], 0, `pixel (${i}, ${j}) must not reach output (${r}, ${c})`);
          else if (Math.abs(i - r) <= 2 && Math.abs(j - c) <= 2) assert.notEqual(v[i * W + j], 0, `pixel (${i}, ${j}) should reach output (${r}, ${c})`);
        }
      }
    });
  }
});

describe("MaskedConv2d convolves with the kept kernel rows only", () => {
  // the forward drops the all-masked rows below the centre; it must equal the full masked convolution
  const configs = [
    { k: 3, type: "B" as const, opts: {} },
    { k: 7, type: "A" as const, opts: {} },
    { k: 5, type: "B" as const, opts: { stride: 2 } },
    { k: 3, type: "A" as const, opts: { dilation: 2, padding: 2 } },
    { k: [5, 3] as [number, number], type: "B" as const, opts: { padding: [3, 1] as [number, number] } },
    { k: 3, type: "B" as const, opts: { padding: 0 } }, // too little padding to crop: the full kernel
  ];
  for (const { k, type, opts } of configs) {
    it(`kernel ${JSON.stringify(k)} type ${type} ${JSON.stringify(opts)}: value and gradients`, () => {
      const m = new MaskedConv2d(3, 4, k, { maskType: type, rng: 5, dtype: "float64", ...opts });
      const rng = new Rng(11);
      const x = new Tensor([2, 3, 9, 8], "float64", rng.fillNormal(new Float64Array(2 * 3 * 9 * 8)));
      const full = (layer: MaskedConv2d, input: Tensor) =>
        add(conv2d(input, layer.maskedWeight(), { stride: layer.stride, padding: layer.padding, dilation: layer.dilation }), reshape(layer.bias!, [4, 1, 1]));
      const y = m.forward(x, Context.eval());
      const want = full(m, x);
      assert.deepEqual(y.shape, want.shape);
      assertClose(y, want, 1e-12, "output");
      const probe = new Tensor(want.shape, "float64", rng.fillNormal(new Float64Array(want.size)));
      const mine = (layer: MaskedConv2d, input: Tensor) => sum(mul(layer.forward(input, Context.eval()), probe));
      const ref = (layer: MaskedConv2d, input: Tensor) => sum(mul(full(layer, input), probe));
      const gw = valueAndGrad(mine)(m, x).grad as MaskedConv2d;
      const rw = valueAndGrad(ref)(m, x).grad as MaskedConv2d;
      assertClose(gw.weight, rw.weight, 1e-12, "d/dweight");
      assertClose(gw.bias!, rw.bias!, 1e-12, "d/dbias");
      assertClose(valueAndGrad(mine, { argnum: 1 })(m, x).grad as Tensor, valueAndGrad(ref, { argnum: 1 })(m, x).grad as Tensor, 1e-12, "d/dx");
    });
  }
});
