// pixelcnn in TF.js (NHWC): the same initial weights and data as bench/archs/pixelcnn.ts.
// Needs the Conv2DBackpropFilter shim (setup.ts): stock TF.js wasm cannot train conv layers.
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../../src/engine/index.js";
import { causalMask, type Conv2d, type MaskedConv2d } from "../../src/nn/index.js";
import { BATCH, buildPixelCnn } from "../archs/pixelcnn.js";
import { binaryImages } from "../archs/vae-mlp.js";
import { bceWithLogitsSum, convFilter, fromEikon, registerConv2dFilterGrad, type TfjsArch } from "./setup.js";

interface Conv {
  w: tf.Variable;
  b: tf.Variable;
  /** [kh, kw, 1, 1] causal mask, or null. */
  mask: tf.Tensor | null;
  pad: number;
}

function conv(layer: Conv2d | MaskedConv2d): Conv {
  const masked = "maskType" in layer;
  const k = layer.kernelSize;
  return {
    w: tf.variable(convFilter(layer.weight)),
    b: tf.variable(fromEikon(layer.bias!)),
    mask: masked ? fromEikon(causalMask(k, (layer as MaskedConv2d).maskType)).reshape([k[0], k[1], 1, 1]) : null,
    pad: layer.padding[0],
  };
}
const apply = (c: Conv, x: tf.Tensor) => tf.add(tf.conv2d(x as tf.Tensor4D, (c.mask ? tf.mul(c.w, c.mask) : c.w) as tf.Tensor4D, 1, c.pad), c.b);

export function create(seed: number): TfjsArch {
  registerConv2dFilterGrad();
  const rng = new Rng(seed);
  const net = buildPixelCnn(rng).layers as unknown as [MaskedConv2d, ...unknown[]];
  const first = conv(net[0]);
  const res = (net.slice(1, 6) as { a: Conv2d; b: MaskedConv2d; c: Conv2d }[]).map((r) => ({ a: conv(r.a), b: conv(r.b), c: conv(r.c) }));
  const out1 = conv(net[7] as Conv2d);
  const out2 = conv(net[9] as Conv2d);
  const x = fromEikon(binaryImages(rng, BATCH * 784, [BATCH, 1, 28, 28])).reshape([BATCH, 28, 28, 1]);
  const vars = [first, ...res.flatMap((r) => [r.a, r.b, r.c]), out1, out2].flatMap((c) => [c.w, c.b]);
  const opt = tf.train.adam(1e-3, 0.9, 0.999, 1e-8);
  return {
    id: "pixelcnn",
    batch: BATCH,
    async step() {
      const loss = opt.minimize(() => {
        let h = apply(first, x);
        for (const r of res) h = tf.add(h, apply(r.c, tf.relu(apply(r.b, tf.relu(apply(r.a, tf.relu(h)))))));
        const logits = apply(out2, tf.relu(apply(out1, tf.relu(h))));
        return tf.div(bceWithLogitsSum(logits, x), BATCH) as tf.Scalar;
      }, true, vars)!;
      const v = (await loss.data())[0];
      loss.dispose();
      return v;
    },
  };
}
