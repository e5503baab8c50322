// Minibatch standard deviation (ProGAN): the extra feature map against a by-hand computation, the
// group layout (row g·M + m gets statistic m), and first- and second-order gradients in float64
// (it sits in a critic that WGAN-GP differentiates twice).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as E from "../../src/engine/index.js";
import { Context, MinibatchStd } from "../../src/nn/index.js";
import { checkGrads } from "../engine/gradcheck.js";
import { assertClose } from "./helpers.js";

const f64 = (rng: E.Rng, shape: number[]) => new E.Tensor(shape, "float64", rng.fillNormal(new Float64Array(shape.reduce((a, b) => a * b, 1))));

describe("MinibatchStd", () => {
  it("appends each group member's average standard deviation as one feature map", () => {
    const [b, c, h, w] = [6, 3, 2, 2];
    const x = f64(new E.Rng(1), [b, c, h, w]);
    const y = new MinibatchStd(3).forward(x, Context.eval());
    assert.deepEqual([...y.shape], [b, c + 1, h, w]);
    const v = x.values();
    const out = y.values();
    const per = c * h * w;
    // groups of G = 3 with M = 2 members each: rows m, m + 2, m + 4 form member m's group
    for (let m = 0; m < 2; m++) {
      let total = 0;
      for (let k = 0; k < per; k++) {
        const vals = [0, 1, 2].map((g) => v[(g * 2 + m) * per + k]);
        const mu = vals.reduce((a, q) => a + q, 0) / 3;
        total += Math.sqrt(vals.reduce((a, q) => a + (q - mu) ** 2, 0) / 3 + 1e-8);
      }
      const stat = total / per;
      for (const g of [0, 1, 2]) {
        const row = g * 2 + m;
        for (let p = 0; p < h * w; p++) assertClose([out[row * (c + 1) * h * w + c * h * w + p]], [stat], 1e-13, `row ${row}, position ${p}`);
        assertClose(Array.from(out.slice(row * (c + 1) * h * w, row * (c + 1) * h * w + per)), Array.from(v.slice(row * per, (row + 1) * per)), 0, `row ${row} keeps its features`);
      }
    }
  });

  it("features [B, F] get one extra feature; a batch smaller than the group is one group; a batch that does not split is refused", () => {
    const x = f64(new E.Rng(2), [3, 5]);
    const y = new MinibatchStd(4).forward(x, Context.eval());
    assert.deepEqual([...y.shape], [3, 6]);
    const s = y.values();
    assert.ok(s[5] > 0 && s[5] === s[11] && s[11] === s[17], "one group: the same statistic on every row");
    assert.throws(() => new MinibatchStd(4).forward(f64(new E.Rng(3), [6, 5]), Context.eval()), /a batch of 6 does not split into groups of 4/);
    assert.throws(() => new MinibatchStd(1), /groupSize must be an integer ≥ 2/);
  });

  it("first- and second-order gradients match finite differences (float64)", () => {
    const layer = new MinibatchStd(2);
    checkGrads((x: E.Tensor) => layer.forward(x, Context.eval()), [f64(new E.Rng(4), [4, 2, 3, 3])], { order: 2, label: "minibatch std [4, 2, 3, 3]" });
    checkGrads((x: E.Tensor) => layer.forward(x, Context.eval()), [f64(new E.Rng(5), [4, 3])], { order: 2, label: "minibatch std [4, 3]" });
  });
});
