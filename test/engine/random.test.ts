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
