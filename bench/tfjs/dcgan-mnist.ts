// dcgan-mnist in TF.js (NHWC): the same initial weights, data and noise as
// bench/archs/dcgan-mnist.ts. As TF.js code is written, the G step re-runs G's forward inside its
// own gradient tape (2 G forwards per step; the peer and Eikon run it once). Needs the
// Conv2DBackpropFilter shim (setup.ts): stock TF.js wasm cannot train conv layers.
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../../src/engine/index.js";
import type { Conv2d, Linear } from "../../src/nn/index.js";
import { BATCH, Generator, NZ, buildDiscriminator } from "../archs/dcgan-mnist.js";
import { convFilter, convTransposeFilter, fromEikon, linearKernel, registerConv2dFilterGrad, type TfjsArch } from "./setup.js";

const v = (t: tf.Tensor) => tf.variable(t);

export function create(seed: number): TfjsArch {
  registerConv2dFilterGrad();
  const rng = new Rng(seed);
  const G0 = new Generator(rng);
  const D0 = buildDiscriminator(rng);
  const g = {
    fcW: v(linearKernel(G0.fc.weight)),
    fcB: v(fromEikon(G0.fc.bias!)),
    bn0W: v(fromEikon(G0.bn0.weight!)),
    bn0B: v(fromEikon(G0.bn0.bias!)),
    up1W: v(convTransposeFilter(G0.up1.weight)),
    up1B: v(fromEikon(G0.up1.bias!)),
    bn1W: v(fromEikon(G0.bn1.weight!)),
    bn1B: v(fromEikon(G0.bn1.bias!)),
    up2W: v(convTransposeFilter(G0.up2.weight)),
    up2B: v(fromEikon(G0.up2.bias!)),
  };
  const running = { m0: tf.zeros([6272]), v0: tf.ones([6272]), m1: tf.zeros([64]), v1: tf.ones([64]) };
  const [c1, , c2, , , lin] = D0.layers as [Conv2d, unknown, Conv2d, unknown, unknown, Linear];
  const d = {
    c1W: v(convFilter(c1.weight)),
    c1B: v(fromEikon(c1.bias!)),
    c2W: v(convFilter(c2.weight)),
    c2B: v(fromEikon(c2.bias!)),
    linW: v(linearKernel(lin.weight)),
    linB: v(fromEikon(lin.bias!)),
  };
  const x = tf.tensor(rng.fillUniform(new Float32Array(BATCH * 784), -1, 1), [BATCH, 28, 28, 1]);

  const bn = (h: tf.Tensor, axes: number[], w: tf.Tensor, b: tf.Tensor, stats: (mean: tf.Tensor, variance: tf.Tensor, count: number) => void) => {
    const { mean, variance } = tf.moments(h, axes);
    stats(mean, variance, axes.reduce((n, a) => n * h.shape[a], 1));
    return tf.add(tf.mul(tf.div(tf.sub(h, mean), tf.sqrt(tf.add(variance, 1e-5))), w), b);
  };
  const noStats = () => {};
  const updateRunning = (rm: "m0" | "m1", rv: "v0" | "v1") => (mean: tf.Tensor, variance: tf.Tensor, count: number) => {
    const [m, s] = tf.tidy(() => [tf.add(tf.mul(running[rm], 0.9), tf.mul(mean, 0.1)), tf.add(tf.mul(running[rv], 0.9), tf.mul(variance, 0.1 * count / (count - 1)))]);
    tf.keep(m);
    tf.keep(s);
    running[rm].dispose();
    running[rv].dispose();
    running[rm] = m;
    running[rv] = s;
  };
  const G = (z: tf.Tensor, track: boolean) => {
    let h = bn(tf.add(tf.matMul(z, g.fcW), g.fcB), [0], g.bn0W, g.bn0B, track ? updateRunning("m0", "v0") : noStats);
    // PyTorch's reshape(-1, 128, 7, 7) is channel-major: view as NCHW, then go to NHWC
    h = tf.transpose(tf.reshape(tf.relu(h), [BATCH, 128, 7, 7]), [0, 2, 3, 1]);
    h = tf.add(tf.conv2dTranspose(h as tf.Tensor4D, g.up1W as tf.Tensor4D, [BATCH, 14, 14, 64], 2, 1), g.up1B);
    h = tf.relu(bn(h, [0, 1, 2], g.bn1W, g.bn1B, track ? updateRunning("m1", "v1") : noStats));
    return tf.tanh(tf.add(tf.conv2dTranspose(h as tf.Tensor4D, g.up2W as tf.Tensor4D, [BATCH, 28, 28, 1], 2, 1), g.up2B));
  };
  const D = (img: tf.Tensor) => {
    let h = tf.leakyRelu(tf.add(tf.conv2d(img as tf.Tensor4D, d.c1W as tf.Tensor4D, 2, 1), d.c1B), 0.2);
    h = tf.leakyRelu(tf.add(tf.conv2d(h as tf.Tensor4D, d.c2W as tf.Tensor4D, 2, 1), d.c2B), 0.2);
    // PyTorch flattens NCHW
    return tf.add(tf.matMul(tf.reshape(tf.transpose(h, [0, 3, 1, 2]), [BATCH, 6272]), d.linW), d.linB);
  };
  const bceOnes = (l: tf.Tensor) => tf.mean(tf.softplus(tf.neg(l)));
  const bceZeros = (l: tf.Tensor) => tf.mean(tf.softplus(l));
  const optD = tf.train.adam(2e-4, 0.5, 0.999, 1e-8);
  const optG = tf.train.adam(2e-4, 0.5, 0.999, 1e-8);
  const gVars = Object.values(g);
  const dVars = Object.values(d);
  return {
    id: "dcgan-mnist",
    batch: BATCH,
    async step() {
      const z = tf.tensor(rng.fillNormal(new Float32Array(BATCH * NZ)), [BATCH, NZ]);
      const fake = tf.tidy(() => G(z, true));
      const ld = optD.minimize(() => tf.add(bceOnes(D(x)), bceZeros(D(fake))) as tf.Scalar, true, dVars)!;
      const lg = optG.minimize(() => bceOnes(D(G(z, false))) as tf.Scalar, true, gVars)!;
      const loss = (await ld.data())[0] + (await lg.data())[0];
      tf.dispose([z, fake, ld, lg]);
      return loss;
    },
  };
}
