// Modules as pytrees: flatten/rebuild through compile and valueAndGrad, partition/combine,
// PyTorch state-dict names, loading, activations, dropout and the Context's noise.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Rng, Tensor, compile, flattenTree as flatten, sum, valueAndGrad } from "../../src/engine/index.js";
import {
  BatchNorm1d,
  BatchNorm2d,
  Context,
  Conv2d,
  ConvTranspose2d,
  Dropout,
  Embedding,
  Flatten,
  Identity,
  LayerNorm,
  LeakyReLU,
  Linear,
  Module,
  ReLU,
  Reshape,
  Sequential,
  Sigmoid,
  Softplus,
  SpectralNorm,
  Tanh,
  bufferNames,
  combine,
  loadNamedTensors,
  namedTensors,
  parameterCount,
  partition,
  toDtype,
  withFields,
} from "../../src/nn/index.js";
import { T, assertClose, fixture } from "./helpers.js";

const extra = fixture("nn_extra.json");

const mlpBn = (rng: number, dtype: "float32" | "float64" = "float32") =>
  new Sequential(new Linear(3, 4, { rng, dtype }), new BatchNorm1d(4, { dtype }), new ReLU(), new Linear(4, 2, { rng: rng + 1, dtype }));

class Mixed extends Module {
  readonly head: Sequential;
  readonly blocks: [Conv2d, BatchNorm2d];
  readonly norm: LayerNorm;
  readonly embed: Embedding;
  readonly up: ConvTranspose2d;
  constructor(rng: Rng) {
    super();
    this.head = new Sequential(new SpectralNorm(new Linear(3, 4, { rng }), { rng }), new LeakyReLU(0.2), new Dropout(0.5));
    this.blocks = [new Conv2d(1, 2, 3, { rng }), new BatchNorm2d(2)];
    this.norm = new LayerNorm([2]);
    this.embed = new Embedding(5, 2, { rng });
    this.up = new ConvTranspose2d(2, 1, 4, { rng, stride: 2, padding: 1, bias: false });
  }
}

const shapesOf = (m: unknown) => [...namedTensors(m).entries()].map(([k, v]) => [k, [...v.shape]]);

describe("state-dict names", () => {
  it("Sequential(Linear, BatchNorm1d, ReLU, Linear) has PyTorch's exact state_dict keys", () => {
    assert.deepEqual(shapesOf(mlpBn(0)), extra.state_dicts.mlp_bn);
  });
  it("nested modules, module lists, spectral norm and bias-free layers too", () => {
    assert.deepEqual(shapesOf(new Mixed(new Rng(0))), extra.state_dicts.mixed);
  });
  it("buffers are marked", () => {
    assert.deepEqual(bufferNames(mlpBn(0)), ["1.running_mean", "1.running_var", "1.num_batches_tracked"]);
    assert.equal(parameterCount(mlpBn(0)), 3 * 4 + 4 + 4 + 4 + 4 * 2 + 2);
  });
});

describe("loadNamedTensors", () => {
  it("round-trips and converts dtypes", () => {
    const src = mlpBn(0, "float64");
    const dst = loadNamedTensors(mlpBn(7), namedTensors(src));
    assert.ok(dst instanceof Sequential && dst.layers[1] instanceof BatchNorm1d);
    for (const [k, v] of namedTensors(dst)) {
      assert.equal(v.dtype, "float32");
      assertClose(v, namedTensors(src).get(k)!, 1e-7, k);
    }
  });
  it("names the tensor and both shapes on a mismatch, and missing or unexpected names", () => {
    const named = new Map(namedTensors(mlpBn(0)));
    named.set("0.weight", new Tensor([3, 4], "float32", new Float32Array(12)));
    assert.throws(() => loadNamedTensors(mlpBn(0), named), /'0\.weight' has shape \[4, 3\] in the model but \[3, 4\] in the loaded tensors/);
    const missing = new Map(namedTensors(mlpBn(0)));
    missing.delete("1.running_var");
    assert.throws(() => loadNamedTensors(mlpBn(0), missing), /missing tensor '1\.running_var'/);
    const more = new Map(namedTensors(mlpBn(0)));
    more.set("5.weight", new Tensor([1], "float32", new Float32Array(1)));
    assert.throws(() => loadNamedTensors(mlpBn(0), more), /unexpected tensor '5\.weight'/);
    assert.ok(loadNamedTensors(mlpBn(0), more, { strict: false }) instanceof Sequential);
  });
});

describe("modules are pytrees", () => {
  it("flatten and rebuild as the same classes, hyperparameters static", () => {
    const m = mlpBn(0);
    const flat = flatten(m);
    assert.equal(flat.leaves.length, 9);
    const back = flat.rebuild(flat.leaves);
    assert.ok(back instanceof Sequential && back.layers[0] instanceof Linear && back.layers[0].inFeatures === 3);
    assert.notEqual(flatten(new Linear(3, 4, { rng: 0 })).def, flatten(new Linear(3, 4, { rng: 0, bias: false })).def);
  });

  it("partition and combine split params from buffers and put them back", () => {
    const m = mlpBn(0);
    const { params, buffers } = partition(m);
    assert.deepEqual([...namedTensors(params).keys()], ["0.weight", "0.bias", "1.weight", "1.bias", "3.weight", "3.bias"]);
    assert.deepEqual([...namedTensors(buffers).keys()], ["1.running_mean", "1.running_var", "1.num_batches_tracked"]);
    const back = combine(params, buffers);
    assert.deepEqual([...namedTensors(back).entries()], [...namedTensors(m).entries()]);
    assert.ok(back.layers[1] instanceof BatchNorm1d);
    const frozen = partition(m, (info) => !info.buffer && !info.name.startsWith("0."));
    assert.deepEqual([...namedTensors(frozen.params).keys()], ["1.weight", "1.bias", "3.weight", "3.bias"]);
    assert.throws(() => combine(params, params), /both trees hold a tensor at 'layers\.0\.weight'/);
  });

  it("valueAndGrad returns a model-shaped gradient; compile takes a model", async () => {
    const m = new Sequential(new Linear(3, 4, { rng: 1 }), new Tanh(), new Linear(4, 1, { rng: 2 }));
    const x = new Tensor([2, 3], "float32", Float32Array.from([1, 2, 3, -1, 0, 1]));
    const g = valueAndGrad((m: Sequential, x: Tensor) => sum(m.forward(x, Context.eval())))(m, x).grad;
    assert.ok(g instanceof Sequential && g.layers[0] instanceof Linear);
    assert.deepEqual([...(g.layers[0] as Linear).weight.shape], [4, 3]);
    const f = compile((m: Sequential, x: Tensor) => m.forward(x, Context.eval()));
    const y = await f(m, x);
    assertClose(y, m.forward(x, Context.eval()), 1e-6, "compiled forward");
    assert.equal(f.trace(m, x).inputs.length, 5, "four parameters and the input are graph inputs");
    await f.dispose();
  });

  it("withFields and toDtype copy without a constructor call", () => {
    const l = new Linear(2, 2, { rng: 0 });
    const l2 = withFields(l, { bias: null });
    assert.ok(l2 instanceof Linear && l2.bias === null && l2.weight === l.weight && l.bias !== null);
    const d = toDtype(l, "float64");
    assert.equal(d.weight.dtype, "float64");
    assert.deepEqual(d.weight.toArray(), l.weight.toArray());
  });
});

describe("activations match PyTorch", () => {
  const a = extra.activations;
  const x = T(a.input);
  const ctx = Context.eval();
  const cases: [string, Module & { forward(x: Tensor, c: Context): Tensor }, Tensor][] = [
    ["relu", new ReLU(), x],
    ["leaky_relu_0.2", new LeakyReLU(0.2), x],
    ["tanh", new Tanh(), x],
    ["sigmoid", new Sigmoid(), x],
    ["softplus_beta2_threshold5", new Softplus({ beta: 2, threshold: 5 }), x],
    ["flatten", new Flatten(), x],
    ["unflatten_1_3x4", new Reshape([3, 4]), new Flatten().forward(x, ctx)],
  ];
  for (const [key, m, input] of cases) it(key, () => assertClose(m.forward(input, ctx), a[key], 1e-12, key));
  it("Identity, Flatten ranges", () => {
    assert.equal(new Identity().forward(x, ctx), x);
    assert.deepEqual([...new Flatten(0, 1).forward(x, ctx).shape], [6, 4]);
    assert.deepEqual([...new Softplus().forward(x, ctx).shape], [2, 3, 4]);
  });
});

describe("Context noise and dropout", () => {
  const x = new Tensor([2, 5], "float64", Float64Array.from({ length: 10 }, (_, i) => i + 1));

  it("dropout keeps u < 1 − p and scales by 1/(1 − p); identity in eval", () => {
    const u = new Tensor([10], "float64", Float64Array.from([0.1, 0.9, 0.5, 0.7, 0.69, 0.71, 0, 0.99, 0.3, 0.8]));
    const y = new Dropout(0.3).forward(x, Context.train({ uniform: u })).toArray();
    const expected = x.toArray().map((v, i) => (u.toArray()[i] < 0.7 ? v / 0.7 : 0));
    assertClose(y, expected, 1e-15, "dropout");
    assert.equal(new Dropout(0.3).forward(x, Context.eval()), x);
  });

  it("draws noise sequentially; measure counts it; short noise is a clear error", () => {
    const net = new Sequential(new Linear(5, 6, { rng: 0, dtype: "float64" }), new Dropout(0.5), new Linear(6, 3, { rng: 1, dtype: "float64" }), new Dropout(0.1));
    const m = Context.measure({ dtype: "float64" });
    net.forward(x, m);
    assert.deepEqual(m.used, { uniform: 2 * 6 + 2 * 3, normal: 0 });
    const noise = Context.sampleNoise(new Rng(3), m.used, "float64");
    assert.equal(noise.uniform!.size, 18);
    assert.equal(noise.normal, undefined);
    const ctx = Context.train(noise);
    net.forward(x, ctx);
    assert.deepEqual(ctx.used, m.used);
    const n = Context.train({ normal: new Tensor([2, 3], "float64", Float64Array.from([1, 2, 3, 4, 5, 6])) });
    assert.deepEqual(n.normal([2]).toArray(), [1, 2]);
    assert.deepEqual(n.normal([2, 2]).toArray(), [3, 4, 5, 6]);
    assert.throws(() => n.normal([1]), /needs at least 7 normal noise values but 6 were supplied; run the forward under Context\.measure\(\)/);
    assert.throws(() => net.forward(x, Context.train()), /needs at least 12 uniform noise values but 0 were supplied/);
  });

  it("setBuffer accepts only declared buffers of the right type; applyUpdates finds them", () => {
    const bn = new BatchNorm1d(2);
    const ctx = Context.train();
    assert.throws(() => ctx.setBuffer(bn, "weight", bn.weight!), /BatchNorm1d\.weight is not a buffer/);
    assert.throws(() => ctx.setBuffer(bn, "runningMean", new Tensor([3], "float32", new Float32Array(3))), /float32\[2\] but the new value is float32\[3\]/);
    ctx.setBuffer(bn, "runningMean", new Tensor([2], "float32", Float32Array.from([1, 2])));
    assert.throws(() => ctx.applyUpdates(new BatchNorm1d(2)), /1 of 1 buffer updates match no tensor/);
    const { params, buffers } = partition(bn);
    assert.deepEqual(ctx.applyUpdates(buffers).runningMean!.toArray(), [1, 2]);
    assert.throws(() => ctx.applyUpdates(params), /match no tensor/, "the params tree holds no buffers");
  });
});
