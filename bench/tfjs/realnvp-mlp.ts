// realnvp-mlp in TF.js: same initial weights and data as bench/archs/realnvp-mlp.ts.
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../../src/engine/index.js";
import type { Linear } from "../../src/nn/index.js";
import { BATCH, buildCouplings, D } from "../archs/realnvp-mlp.js";
import { dense, fromEikon, linearKernel, type TfjsArch } from "./setup.js";

type Layer = { w: tf.Variable; b: tf.Variable };

export function create(seed: number): TfjsArch {
  const rng = new Rng(seed);
  const couplings = buildCouplings(rng).map((c) => ({
    mask: tf.tensor(Float32Array.from({ length: D }, (_, i) => ((i % 2 === 1) === c.parityOdd ? 1 : 0)), [D]),
    net: c.net.layers.filter((l): l is Linear => (l as Linear).weight !== undefined).map((l): Layer => ({ w: tf.variable(linearKernel(l.weight)), b: tf.variable(fromEikon(l.bias!)) })),
  }));
  const x = tf.tensor(rng.fillNormal(new Float32Array(BATCH * D)), [BATCH, D]);
  const vars = couplings.flatMap((c) => c.net.flatMap((l) => [l.w, l.b]));
  const opt = tf.train.adam(1e-3, 0.9, 0.999, 1e-8);
  const halfLog2Pi = 0.5 * D * Math.log(2 * Math.PI);
  return {
    id: "realnvp-mlp",
    batch: BATCH,
    async step() {
      const loss = opt.minimize(() => {
        let z: tf.Tensor = x;
        let ld: tf.Tensor | null = null;
        for (const c of couplings) {
          const inv = tf.sub(1, c.mask);
          let h = tf.mul(z, c.mask);
          c.net.forEach((l, i) => {
            h = dense(h, l.w, l.b);
            if (i + 1 < c.net.length) h = tf.relu(h);
          });
          const [s0, t0] = tf.split(h, 2, 1);
          const s = tf.mul(tf.tanh(s0), inv);
          const t = tf.mul(t0, inv);
          z = tf.add(tf.mul(z, c.mask), tf.mul(inv, tf.add(tf.mul(z, tf.exp(s)), t)));
          const d = tf.sum(s, 1);
          ld = ld ? tf.add(ld, d) : d;
        }
        const logp = tf.add(tf.sub(tf.mul(tf.sum(tf.square(z), 1), -0.5), halfLog2Pi), ld!);
        return tf.neg(tf.mean(logp)) as tf.Scalar;
      }, true, vars)!;
      const v = (await loss.data())[0];
      loss.dispose();
      return v;
    },
  };
}
