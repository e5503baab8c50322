// The host-side generator: seeded, saveable, and with the right moments.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../src/engine/random.js";

test("same seed, same stream; different seeds differ", () => {
  const a = new Rng(42), b = new Rng(42), c = new Rng(43);
  const sa = Array.from({ length: 10 }, () => a.nextUint32());
  assert.deepEqual(sa, Array.from({ length: 10 }, () => b.nextUint32()));
  assert.notDeepEqual(sa, Array.from({ length: 10 }, () => c.nextUint32()));
});

test("state round-trips through JSON, spare normal included", () => {
  const a = new Rng(5);
  a.normal();
  const saved = JSON.parse(JSON.stringify(a.getState()));
  const expected = [a.normal(), a.uniform(), a.normal()];
  const b = new Rng(0);
  b.setState(saved);
  assert.deepEqual([b.normal(), b.uniform(), b.normal()], expected);
});

test("uniform and normal have the right first two moments", () => {
  const r = new Rng(1);
  const n = 200000;
  let su = 0, su2 = 0, sn = 0, sn2 = 0;
  for (let i = 0; i < n; i++) {
    const u = r.uniform(), z = r.normal();
    su += u; su2 += u * u; sn += z; sn2 += z * z;
  }
  assert.ok(Math.abs(su / n - 0.5) < 0.005);
  assert.ok(Math.abs(su2 / n - 1 / 3) < 0.005);
  assert.ok(Math.abs(sn / n) < 0.01);
  assert.ok(Math.abs(sn2 / n - 1) < 0.01);
});

test("permutation is a permutation", () => {
  const p = new Rng(9).permutation(1000);
  assert.deepEqual([...p].sort((x, y) => x - y), Array.from({ length: 1000 }, (_, i) => i));
});

test("fillNormal and fillUniform give exactly what normal() and uniform() give one at a time", () => {
  // the fills run the generator on local variables for speed; values and the state after must not change
  for (const seed of [0, 7, 12345]) {
    for (const n of [0, 1, 2, 3, 1001]) {
      for (const spare of [false, true]) {
        const a = new Rng(seed), b = new Rng(seed);
        if (spare) { a.normal(); b.normal(); } // a spare normal is waiting
        const filled = a.fillNormal(new Float32Array(n), 0.5, 2);
        const oneByOne = Float32Array.from({ length: n }, () => 0.5 + 2 * b.normal());
        assert.deepEqual(filled, oneByOne, `fillNormal seed ${seed} n ${n} spare ${spare}`);
        assert.deepEqual(a.getState(), b.getState(), `state after fillNormal seed ${seed} n ${n}`);
        const u = a.fillUniform(new Float64Array(n), -1, 3);
        assert.deepEqual(u, Float64Array.from({ length: n }, () => -1 + 4 * b.uniform()), `fillUniform seed ${seed} n ${n}`);
        assert.deepEqual(a.getState(), b.getState(), `state after fillUniform seed ${seed} n ${n}`);
      }
    }
  }
});
