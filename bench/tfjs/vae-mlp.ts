// vae-mlp in TF.js: the same initial weights, data and noise as bench/archs/vae-mlp.ts (drawn
// from the same seeded generator in the same order), Adam 1e-3.
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../../src/engine/index.js";
import type { Linear } from "../../src/nn/index.js";
import { BATCH, LATENT, binaryImages, buildVae } from "../archs/vae-mlp.js";
import { bceWithLogitsSum, dense, fromEikon, linearKernel, type TfjsArch } from "./setup.js";

type Layer = { w: tf.Variable; b: tf.Variable };
const layersOf = (seq: { layers: unknown[] }): Layer[] =>
  seq.layers.filter((l): l is Linear => (l as Linear).weight !== undefined).map((l) => ({ w: tf.variable(linearKernel(l.weight)), b: tf.variable(fromEikon(l.bias!)) }));

function mlp(ls: Layer[], x: tf.Tensor): tf.Tensor {
  let h = x;
  ls.forEach((l, i) => {
    h = dense(h, l.w, l.b);
    if (i + 1 < ls.length) h = tf.relu(h);
  });
  return h;
}

export function create(seed: number): TfjsArch {
  const rng = new Rng(seed);
  const m = buildVae(rng);
  const enc = layersOf(m.enc);
  const dec = layersOf(m.dec);
  const x = fromEikon(binaryImages(rng, BATCH * 784, [BATCH, 784]));
  const opt = tf.train.adam(1e-3, 0.9, 0.999, 1e-8);
  const vars = [...enc, ...dec].flatMap((l) => [l.w, l.b]);
  return {
    id: "vae-mlp",
    batch: BATCH,
    async step() {
      const eps = tf.tensor(rng.fillNormal(new Float32Array(BATCH * LATENT)), [BATCH, LATENT]);
      const loss = opt.minimize(() => {
        const h = mlp(enc, x);
        const [mu, logvar] = tf.split(h, 2, 1);
        const z = tf.add(mu, tf.mul(eps, tf.exp(tf.mul(logvar, 0.5))));
        const rec = tf.div(bceWithLogitsSum(mlp(dec, z), x), BATCH);
        const kl = tf.div(tf.mul(tf.sum(tf.sub(tf.sub(tf.add(logvar, 1), tf.square(mu)), tf.exp(logvar))), -0.5), BATCH);
        return tf.add(rec, kl) as tf.Scalar;
      }, true, vars)!;
      const v = (await loss.data())[0];
      loss.dispose();
      eps.dispose();
      return v;
    },
  };
}
