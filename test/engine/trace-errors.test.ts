// Shape and dtype mistakes are reported at trace time, naming the op, the shapes and the user's line.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as E from "../../src/engine/index.js";

const THIS_FILE = /trace-errors\.test\.ts:\d+:\d+/;

test("mismatched matmul shapes name the op, both shapes and the call site", () => {
  const f = E.compile((a: E.Tensor, b: E.Tensor) => E.matmul(a, b));
  assert.throws(
    () => f.trace(E.zeros([2, 3]), E.zeros([4, 5])),
    (e: Error) => {
      assert.ok(e instanceof E.ShapeError);
      assert.match(e.message, /^matmul: cannot multiply \[2, 3\] by \[4, 5\]: inner dimensions 3 and 4 differ/);
      assert.match(e.message, THIS_FILE);
      return true;
    },
  );
});

test("a conv weight expecting other channels names both shapes", () => {
  assert.throws(
    () => E.compile((x: E.Tensor, w: E.Tensor) => E.conv2d(x, w, { padding: 1 })).trace(E.zeros([1, 3, 8, 8]), E.zeros([16, 4, 3, 3])),
    (e: Error) => {
      assert.match(e.message, /^conv2d: input \[1, 3, 8, 8\] has 3 channels but weight \[16, 4, 3, 3\] expects 4/);
      assert.match(e.message, THIS_FILE);
      return true;
    },
  );
});

test("dtype mismatches and bad broadcasts are caught eagerly too", () => {
  assert.throws(() => E.add(E.zeros([2]), E.zeros([2], "float64")), /add: dtype mismatch: float32\[2\] and float64\[2\]; cast one of them first/);
  assert.throws(() => E.mul(E.zeros([2, 3]), E.zeros([4])), /mul: shapes \[2, 3\] and \[4\] do not broadcast/);
  assert.throws(() => E.reshape(E.zeros([2, 3]), [4, 2]), /reshape: cannot reshape \[2, 3\] \(6 elements\) to \[4, 2\]/);
});

test("a symbolic tensor leaked from another trace is refused with advice", async () => {
  let leaked: E.Tensor | null = null;
  E.compile((x: E.Tensor) => {
    leaked = E.exp(x);
    return leaked;
  }).trace(E.zeros([2]));
  const g = E.compile((x: E.Tensor) => E.add(x, leaked!));
  assert.throws(() => g.trace(E.zeros([2])), /pass it in as an argument/);
});

test("non-scalar losses are refused by valueAndGrad", () => {
  assert.throws(() => E.grad((x: E.Tensor) => E.mul(x, 2))(E.zeros([3])), /must return a scalar/);
});
