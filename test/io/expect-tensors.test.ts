import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { expectTensors } from "../../src/io/expect-tensors.js";
import { SafetensorsError } from "../../src/io/safetensors.js";
import type { NamedTensor } from "../../src/io/tensor.js";

const f32 = (...shape: number[]): NamedTensor => ({ dtype: "float32", shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) });

const loaded: Record<string, NamedTensor> = {
  "encoder.0.weight": f32(2, 3),
  "encoder.0.bias": f32(2),
  step: { dtype: "int64", shape: [], data: new BigInt64Array([7n]) },
};

describe("expectTensors", () => {
  it("accepts matching tensors", () => {
    expectTensors(loaded, { "encoder.0.weight": [2, 3], "encoder.0.bias": [2], step: [] }, "ckpt.safetensors");
  });

  it("names the tensor, the file and both shapes for a mis-shaped tensor", () => {
    assert.throws(
      () => expectTensors(loaded, { "encoder.0.weight": [3, 2], "encoder.0.bias": [2], step: [] }, "ckpt.safetensors"),
      (err: unknown) =>
        err instanceof SafetensorsError &&
        err.file === "ckpt.safetensors" &&
        err.message === "tensor 'encoder.0.weight' has shape [2,3] in file ckpt.safetensors but the model expects [3,2]",
    );
    assert.throws(() => expectTensors(loaded, { "encoder.0.weight": [2, 3], "encoder.0.bias": [2], step: [1] }, "f"), {
      message: "tensor 'step' has shape [] in file f but the model expects [1]",
    });
  });

  it("names missing tensors", () => {
    assert.throws(() => expectTensors(loaded, { "encoder.0.weight": [2, 3], "encoder.0.bias": [2], step: [], "decoder.scale": [3] }, "f"), {
      message: "missing tensor 'decoder.scale': the model expects them but file f does not contain them",
    });
  });

  it("lists unexpected extra tensors unless allowed", () => {
    const expected = { "encoder.0.weight": [2, 3] };
    assert.throws(() => expectTensors(loaded, expected, "f"), {
      message: "unexpected tensors 'encoder.0.bias', 'step' in file f: the model has no such parameters",
    });
    expectTensors(loaded, expected, "f", { allowExtra: true });
  });

  it("reports every problem at once", () => {
    assert.throws(
      () => expectTensors(loaded, { "encoder.0.weight": [3, 2], "encoder.0.bias": [2], "decoder.scale": [3], "decoder.bias": [3] }, "m.safetensors"),
      {
        message: [
          "file m.safetensors does not match the model (3 problems):",
          "  - tensor 'encoder.0.weight' has shape [2,3] in file m.safetensors but the model expects [3,2]",
          "  - missing tensors 'decoder.scale', 'decoder.bias': the model expects them but file m.safetensors does not contain them",
          "  - unexpected tensor 'step' in file m.safetensors: the model has no such parameters",
        ].join("\n"),
      },
    );
  });

  it("abbreviates very long name lists", () => {
    const expected = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`layer.${i}.weight`, [1]]));
    assert.throws(() => expectTensors({}, expected, "f"), { message: /'layer\.19\.weight' and 5 more: the model expects them/ });
  });

  it("does not treat Object.prototype names as present", () => {
    assert.throws(() => expectTensors({}, { constructor: [1] }, "f"), { message: /missing tensor 'constructor'/ });
  });
});
