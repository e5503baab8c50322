// TF.js on its WebAssembly backend in Node: wasm files from node_modules, SIMD when the runtime
// has it. Multithreading does not work in Node (the threaded build starts its pthreads as
// workers from blob: URLs, which Node's Worker refuses), so the backend runs single-threaded.
import * as tf from "@tensorflow/tfjs";
import { setWasmPaths, getThreadsCount } from "@tensorflow/tfjs-backend-wasm";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Tensor as ETensor } from "../../src/engine/index.js";

export async function initTfjs(): Promise<{ backend: string; simd: boolean; threads: number }> {
  const require = createRequire(import.meta.url);
  setWasmPaths(join(dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json")), "dist") + "/");
  if (!(await tf.setBackend("wasm"))) throw new Error("TF.js: the wasm backend failed to initialize");
  await tf.ready();
  return { backend: tf.getBackend(), simd: Boolean(await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT")), threads: getThreadsCount() };
}

/** An Eikon tensor's values as a TF.js tensor of the same shape. */
export function fromEikon(t: ETensor): tf.Tensor {
  return tf.tensor(t.values() as Float32Array, [...t.shape], "float32");
}

/** PyTorch Linear weight [out, in] → a TF.js dense kernel [in, out]. */
export function linearKernel(w: ETensor): tf.Tensor {
  return tf.tidy(() => fromEikon(w).transpose());
}
/** PyTorch Conv2d weight [O, I, kh, kw] → TF.js filter [kh, kw, I, O]. */
export function convFilter(w: ETensor): tf.Tensor {
  return tf.tidy(() => fromEikon(w).transpose([2, 3, 1, 0]));
}
/** PyTorch ConvTranspose2d weight [I, O, kh, kw] → TF.js conv2dTranspose filter [kh, kw, O, I]. */
export function convTransposeFilter(w: ETensor): tf.Tensor {
  return tf.tidy(() => fromEikon(w).transpose([2, 3, 1, 0]));
}

export interface TfjsArch {
  id: string;
  batch: number;
  /** One training step, the peer's maths; resolves to the loss after the step has finished. */
  step(): Promise<number>;
}

/** x·W + b with a [in, out] kernel. */
export function dense(x: tf.Tensor, w: tf.Variable | tf.Tensor, b: tf.Variable | tf.Tensor): tf.Tensor {
  return tf.add(tf.matMul(x, w), b);
}

/** BCE with logits (PyTorch's formula), summed. */
export function bceWithLogitsSum(logits: tf.Tensor, target: tf.Tensor): tf.Scalar {
  return tf.sum(tf.sub(tf.softplus(logits), tf.mul(target, logits)));
}

/**
 * The wasm backend has no Conv2DBackpropFilter kernel (a conv layer's weight gradient), so stock
 * TF.js cannot train a conv net on it ("Kernel 'Conv2DBackpropFilter' not registered"). This
 * registers one built from kernels it does have, the way Eikon's engine writes it: dW is a
 * convolution of the batch-transposed input with the batch-transposed output gradient as the
 * filter, stride and dilation swapped — PadV2, Transpose, Conv2D (XNNPACK), Slice, Transpose.
 * (The wasm Conv3DBackpropFilterV2 kernel, read at depth 1, is ~500× slower and wrong at
 * stride > 1.) Numeric or 'valid' padding.
 */
export function registerConv2dFilterGrad(): void {
  if (tf.getKernel("Conv2DBackpropFilter", "wasm")) return;
  const k = (name: string) => {
    const c = tf.getKernel(name, "wasm");
    if (!c) throw new Error(`TF.js wasm: kernel ${name} is missing; cannot build Conv2DBackpropFilter`);
    return c.kernelFunc as (a: { inputs: Record<string, unknown>; attrs: unknown; backend: unknown }) => tf.TensorInfo;
  };
  const [pad, transpose, conv, slice] = [k("PadV2"), k("Transpose"), k("Conv2D"), k("Slice")];
  tf.registerKernel({
    kernelName: "Conv2DBackpropFilter",
    backendName: "wasm",
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
      const a = attrs as unknown as { strides: number | [number, number]; pad: unknown; dataFormat?: string; filterShape: [number, number, number, number] };
      if (a.dataFormat && a.dataFormat !== "NHWC") throw new Error("Conv2DBackpropFilter shim: NHWC only");
      if (a.pad !== "valid" && typeof a.pad !== "number") throw new Error("Conv2DBackpropFilter shim: numeric or 'valid' padding only");
      const p = a.pad === "valid" ? 0 : (a.pad as number);
      const strides = typeof a.strides === "number" ? [a.strides, a.strides] : a.strides;
      const [kh, kw, ci, co] = a.filterShape;
      const dispose = (t: tf.TensorInfo) => (backend as { disposeData(id: object): void }).disposeData(t.dataId);
      const xp = p ? pad({ inputs: { x }, attrs: { paddings: [[0, 0], [p, p], [p, p], [0, 0]], constantValue: 0 }, backend }) : x;
      const xt = transpose({ inputs: { x: xp }, attrs: { perm: [3, 1, 2, 0] }, backend }); // [C, Hp, Wp, N]
      if (xp !== x) dispose(xp);
      const dyt = transpose({ inputs: { x: dy }, attrs: { perm: [1, 2, 0, 3] }, backend }); // [OH, OW, N, O]
      const full = conv({ inputs: { x: xt, filter: dyt }, attrs: { strides: [1, 1], pad: "valid", dataFormat: "NHWC", dilations: strides, dimRoundingMode: undefined }, backend });
      dispose(xt);
      dispose(dyt);
      let cut = full;
      if (full.shape[1] !== kh || full.shape[2] !== kw) {
        cut = slice({ inputs: { x: full }, attrs: { begin: [0, 0, 0, 0], size: [ci, kh, kw, co] }, backend });
        dispose(full);
      }
      const dw = transpose({ inputs: { x: cut }, attrs: { perm: [1, 2, 0, 3] }, backend }); // [kh, kw, C, O]
      dispose(cut);
      return dw;
    },
  });
}
