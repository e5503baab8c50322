// The public API as DESIGN.md §3 shows it, imported the way a user imports "eikon" (the package's
// entry point), on a tiny budget: a VAE on a few hundred MNIST digits for a few steps, then the
// IWAE bound on fifty test digits. The one difference from the DESIGN.md snippet is the data: MNIST
// is `data.mnist({ split })` (one source per split), and binarization is the model's own data
// transform (a Bernoulli VAE draws a dynamic binarization of each batch), not a data option.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { models, data, train, metrics, dist, nn, optim, io, QueryRunner, registerMetric, findMetric } from "../../src/index.js";

test("the public namespaces are all there", () => {
  for (const [name, ns] of Object.entries({ models, data, metrics, dist, nn, optim, io })) {
    assert.equal(typeof ns, "object", `${name} is a namespace`);
  }
  assert.equal(typeof train, "function");
  for (const family of ["vae", "autoencoder", "gan"] as const) {
    assert.equal(typeof models[family].create, "function", `models.${family}.create`);
  }
  assert.equal(typeof data.mnist, "function");
  assert.equal(typeof metrics.iwae, "function");
  assert.equal(typeof metrics.elbo, "function");
  assert.equal(typeof metrics.registerMetric, "function");
  assert.equal(typeof dist.Normal, "function");
  // Names that lived in train before the layer fix still come from the top level.
  assert.equal(typeof QueryRunner, "function");
  assert.equal(registerMetric, metrics.registerMetric);
  assert.equal(findMetric("iwae").name, "iwae", "metrics registered on import");
});

test("models.<family>.create builds each family from a partial config, as the CLI does", () => {
  const vae = models.vae.create({ latent: 4, hidden: [16] });
  assert.equal(vae.family, "vae");
  assert.deepEqual(vae.dataShape, [1, 28, 28]);
  assert.equal(models.vae.create({ latent: 4, hidden: [16], numClasses: 10 }).family, "cvae");
  assert.equal(models.autoencoder.create({ code: 4, hidden: [16] }).family, "autoencoder");
  assert.equal(models.autoencoder.create({ code: 4, hidden: [16] }, { kind: "denoising" }).family, "denoising-autoencoder");
  assert.equal(models.gan.create({}, { family: "gan-toy" }).family, "gan-toy");
  assert.equal(models.gan.create().family, "gan-mnist");
  assert.throws(() => models.vae.create({ latnet: 4 } as never), /unknown key 'latnet'/);
});

test("the DESIGN.md flow: data.mnist → models.vae.create → train → metrics.iwae", async () => {
  const mnist = { train: data.mnist({ split: "train" }), test: data.mnist({ split: "test" }) };
  const few = data.subset(mnist.train, Int32Array.from({ length: 300 }, (_, i) => i), "mnist[:300]");
  const vae = models.vae.create({ latent: 32, hidden: [512, 256], likelihood: "bernoulli" });
  assert.equal(vae.dataTransform, "binarize", "a Bernoulli VAE binarizes its data dynamically");

  const out = mkdtempSync(join(tmpdir(), "eikon-public-api-"));
  try {
    const r = await train(vae, few, { epochs: 2, batchSize: 100, lr: 1e-3, out: join(out, "vae"), progress: "none" });
    assert.equal(r.status, "completed");
    assert.equal(r.step, 6, "2 epochs of 3 batches");
    assert.ok(Number.isFinite(r.values.loss) && r.values.loss > 0, `loss ${r.values.loss}`);
    assert.ok(existsSync(join(out, "vae", "config.json")));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }

  const nll = await metrics.iwae(vae, mnist.test, { k: 8, n: 50 });
  assert.equal(nll.n, 50);
  assert.equal(nll.k, 8);
  assert.ok(Number.isFinite(nll.nll) && nll.nll > 0, `IWAE-8 NLL ${nll.nll}`);
  assert.ok(Number.isFinite(nll.bitsPerDim) && nll.bitsPerDim > 0);
  assert.ok(Number.isFinite(nll.elbo!) && nll.bound >= nll.elbo! - 1e-6, "log-mean-exp of the weights ≥ their mean (IWAE ≥ ELBO on the same draws)");
});
