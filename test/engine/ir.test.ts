// The IR: a readable listing (snapshot), and a checker that refuses inconsistent graphs.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as E from "../../src/engine/index.js";

test("the printed graph of a small function is stable", () => {
  const f = E.compile((x: E.Tensor, w: E.Tensor) => E.sum(E.tanh(E.matmul(x, w)), 1));
  const printed = E.printGraph(f.trace(E.zeros([4, 3]), E.zeros([3, 2])));
  assert.equal(
    printed,
    [
      "graph(in0: float32[4, 3], in1: float32[3, 2]) {",
      "  v0: float32[4, 2] = matmul(in0, in1)",
      "  v1: float32[4, 2] = tanh(v0)",
      "  v2: float32[4] = sum(v1) {axes=[1], keepdims=false}",
      "  return v2",
      "}",
    ].join("\n"),
  );
});

test("the gradient graph of x·sigmoid(x) reuses the forward values", () => {
  const g = E.compile((x: E.Tensor) => E.grad((v: E.Tensor) => E.sum(E.mul(v, E.sigmoid(v))))(x));
  const printed = E.printGraph(g.trace(E.zeros([3])));
  assert.match(printed, /sigmoid\(/);
  assert.equal((printed.match(/= sigmoid\(/g) ?? []).length, 1, "sigmoid is computed once and reused by its VJP");
});

test("the checker refuses a node whose recorded type disagrees with its rule", () => {
  const graph = E.compile((x: E.Tensor) => E.exp(x)).trace(E.zeros([2, 2]));
  graph.nodes[0].output.shape = [4];
  assert.throws(() => E.checkGraph(graph), /IR check: node 0 \(exp\) should produce float32\[2, 2\] but records float32\[4\]/);
});

test("the checker refuses a node that uses a value before it is defined", () => {
  const graph = E.compile((x: E.Tensor) => E.exp(E.log(x))).trace(E.zeros([2]));
  graph.nodes.reverse();
  assert.throws(() => E.checkGraph(graph), /before it is defined/);
});

test("unused inputs are not fed and constants become initializers", async () => {
  const f = E.compile((x: E.Tensor, _unused: E.Tensor) => E.add(x, E.tensor([1, 2], [2])));
  const out = await f(E.tensor([10, 20], [2]), E.zeros([5]));
  assert.deepEqual(out.toArray(), [11, 22]);
  await f.dispose();
});
