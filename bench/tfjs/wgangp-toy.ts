// wgangp-toy in TF.js: same initial weights and data stream as bench/archs/wgangp-toy.ts; the
// gradient penalty nests tf.grad inside the critic's loss (TF.js records higher-order gradients).
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../../src/engine/index.js";
import type { Linear, Sequential } from "../../src/nn/index.js";
import { BATCH, mlp, realPoints } from "../archs/wgangp-toy.js";
import { dense, fromEikon, linearKernel, type TfjsArch } from "./setup.js";

type Layer = { w: tf.Variable; b: tf.Variable };
const layersOf = (seq: Sequential): Layer[] =>
  seq.layers.filter((l): l is Linear => (l as Linear).weight !== undefined).map((l) => ({ w: tf.variable(linearKernel(l.weight)), b: tf.variable(fromEikon(l.bias!)) }));
function forward(ls: Layer[], x: tf.Tensor): tf.Tensor {
  let h = x;
  ls.forEach((l, i) => {
    h = dense(h, l.w, l.b);
    if (i + 1 < ls.length) h = tf.relu(h);
  });
  return h;
}

export function create(seed: number): TfjsArch {
  const rng = new Rng(seed);
  const G = layersOf(mlp(rng, 2, 2));
  const D = layersOf(mlp(rng, 2, 1));
  const gVars = G.flatMap((l) => [l.w, l.b]);
  const dVars = D.flatMap((l) => [l.w, l.b]);
  const optG = tf.train.adam(1e-4, 0.5, 0.9, 1e-8);
  const optD = tf.train.adam(1e-4, 0.5, 0.9, 1e-8);
  const normal = (n: number) => tf.tensor(rng.fillNormal(new Float32Array(n * 2)), [n, 2]);
  return {
    id: "wgangp-toy",
    batch: BATCH,
    async step() {
      let ld = 0;
      for (let k = 0; k < 5; k++) {
        const r = fromEikon(realPoints(rng, BATCH));
        const z = normal(BATCH);
        const e = tf.tensor(rng.fillUniform(new Float32Array(BATCH)), [BATCH, 1]);
        const f = tf.tidy(() => forward(G, z));
        const xh = tf.tidy(() => tf.add(tf.mul(e, r), tf.mul(tf.sub(1, e), f)));
        const loss = optD.minimize(() => {
          const gx = tf.grad((xx: tf.Tensor) => tf.sum(forward(D, xx)))(xh);
          const gp = tf.mean(tf.square(tf.sub(tf.sqrt(tf.sum(tf.square(gx), 1)), 1)));
          return tf.add(tf.sub(tf.mean(forward(D, f)), tf.mean(forward(D, r))), tf.mul(gp, 10)) as tf.Scalar;
        }, true, dVars)!;
        ld = (await loss.data())[0];
        tf.dispose([r, z, e, f, xh, loss]);
      }
      const z = normal(BATCH);
      const lg = optG.minimize(() => tf.neg(tf.mean(forward(D, forward(G, z)))) as tf.Scalar, true, gVars)!;
      await lg.data();
      tf.dispose([z, lg]);
      return ld;
    },
  };
}
