// Generative adversarial networks (Goodfellow et al., 2014, "Generative Adversarial Nets"): the
// original minimax game and its non-saturating generator loss, alternating single gradient steps
// with k discriminator steps per generator step; LSGAN (Mao et al., 2017), WGAN with weight
// clipping (Arjovsky et al., 2017), WGAN-GP (Gulrajani et al., 2017), spectral normalization
// (Miyato et al., 2018), annealed instance noise (Sønderby et al., 2017; Arjovsky & Bottou, 2017),
// the generator's proximal term from the variational-inference reading of GANs (Su, 2018,
// "Variational Inference: A Unified Framework of Generative Models and Some Revelations",
// arXiv:1807.05936: G's update also minimizes a KL to the generator D was just trained against,
// which adds λ·E_z‖G(z) − G°(z)‖² with G° the generator before this iteration's G update), and an
// EMA of the generator's weights for sampling (Yazıcı et al., 2019); PacGAN packing (Lin et al., 2018)
// and minibatch stddev (Karras et al., 2018) in D. With the ns and minimax losses D's logit is a
// log density ratio, which discriminator rejection sampling (../rejection-sampling.ts) uses.
//
// Reference configurations and recipes:
//   gan-toy    ../shared/peers/train_gan_toy.py: 25 Gaussians, G and D MLP 2-256-256-256-out (ReLU),
//              z ∈ R², batch 256; wgan-gp: λ 10, 5 critic steps, Adam 1e-4 β (.5, .9); ns, minimax,
//              lsgan: 1 D step, Adam 2e-4 β (.5, .999); wgan: 5 critic steps, RMSprop 5e-5, clip 0.01.
//              2000 generator steps. Target: WGAN-GP covers at least as many of the 25 modes as the peer.
//   gan-mnist  fully connected: G 100-512-512-784 (ReLU, tanh), D 784-512-512-1 (leaky ReLU 0.2),
//              non-saturating, Adam 2e-4 β (.5, .999), batch 128, data in [−1, 1].
//   dcgan      BENCHMARKS.md dcgan-mnist (../shared/peers/dcgan_mnist.py, train_dcgan_mnist.py): G Linear
//              100→6272 + BN + ReLU, ConvT 128→64 (4,2,1) + BN + ReLU, ConvT 64→1 (4,2,1) + tanh; D Conv
//              1→64 (4,2,1), LReLU .2, Conv 64→128 (4,2,1), LReLU .2, Linear 6272→1; non-saturating,
//              Adam 2e-4 β (.5, .999), batch 128, 5 epochs. Target: FID (Eikon's MNIST feature net)
//              ≤ 1.1 × the peer's after 5 epochs, and ≥ 9 of 10 digits each with ≥ 5 % of samples.
import type { Rng, Tensor } from "../../engine/index.js";
import * as E from "../../engine/index.js";
import { Context } from "../../nn/index.js";
import type { GenerativeModel, ModelFamily, OptimizerSpec, Query, SampleOptions, TrainingRecipe } from "../model.js";
import { registerFamily } from "../registry.js";
import { DCGAN_DEFAULTS, GAN_MNIST_DEFAULTS, GAN_TOY_DEFAULTS, defaultDSteps, resolveGanConfig, type GanConfig, type GanLoss } from "./config.js";
import { Generator, buildDiscriminatorNet, buildGeneratorNet, judge, withFlatParams } from "./networks.js";
import { ganObjectives, type GanPlayers } from "./objectives.js";

export interface GanModel extends GenerativeModel<GanPlayers> {
  readonly config: GanConfig;
  /** The training recipe that goes with this configuration's loss (optimizers, weight clipping). */
  readonly recipe: TrainingRecipe;
}

/** Optimizers per player for a loss, as the papers (and the PyTorch peers) train them. */
export function ganOptimizers(c: Pick<GanConfig, "loss" | "clip">): Record<"generator" | "discriminator", OptimizerSpec> {
  switch (c.loss) {
    case "wgan-gp": {
      const o: OptimizerSpec = { kind: "adam", lr: 1e-4, betas: [0.5, 0.9] };
      return { generator: o, discriminator: { ...o } };
    }
    case "wgan":
      return { generator: { kind: "rmsprop", lr: 5e-5 }, discriminator: { kind: "rmsprop", lr: 5e-5, clipWeights: c.clip } };
    default: {
      const o: OptimizerSpec = { kind: "adam", lr: 2e-4, betas: [0.5, 0.999] };
      return { generator: o, discriminator: { ...o } };
    }
  }
}

/** gan-toy's budget (../shared/peers/train_gan_toy.py): generator steps, batch size, and the most critic steps per generator step of any recipe. */
export const GAN_TOY_ITERATIONS = 2000;
const GAN_TOY_BATCH = 256;
const GAN_TOY_MAX_K = 5;
/** gan-toy's data: enough points for 2000 iterations of 5 critic batches of 256, each point drawn once. */
export const GAN_TOY_DATA = `toy:25gaussians?n=${GAN_TOY_ITERATIONS * GAN_TOY_MAX_K * GAN_TOY_BATCH}`;

/**
 * The recipe of a GAN family for a configuration: the optimizers depend on the loss. gan-toy's
 * data is one set of 2000·5·256 points whatever the loss (the CLI trains on the family's data), and
 * its epochs are k/5 (k critic steps per generator step; the trainer's epoch is batches / k
 * iterations), so that a run is 2000 generator steps and, as in the PyTorch peer, which draws fresh
 * data for every critic step, no data point is seen twice for k ≤ 5. (A fixed set of 51200 points
 * reused for 10·k epochs was a difference from the peer; see docs/gan-toy-results.md.)
 */
export function ganRecipe(family: string, c: Pick<GanConfig, "loss" | "clip" | "dSteps">): TrainingRecipe {
  const optimizers = ganOptimizers(c);
  switch (family) {
    case "gan-mnist":
      return { batchSize: 128, epochs: 30, data: "mnist", optimizers };
    case "dcgan":
      return { batchSize: 128, epochs: 5, data: "mnist", optimizers };
    default:
      return { batchSize: GAN_TOY_BATCH, epochs: (c.dSteps ?? defaultDSteps(c.loss)) / GAN_TOY_MAX_K, data: GAN_TOY_DATA, optimizers };
  }
}

function need(inputs: Record<string, Tensor>, name: string, what: string): Tensor {
  const t = inputs[name];
  if (!t) throw new Error(`this query needs input '${name}' (${what})`);
  return t;
}

/** The generator network that sampling uses: the EMA weights when configured, else G's own. */
export function samplingNet(c: GanConfig, g: Generator) {
  return c.ema > 0 && g.ema ? withFlatParams(g.net, g.ema) : g.net;
}

const layerCtx = (ctx: { train: boolean }): Context => (ctx instanceof Context ? ctx : ctx.train ? Context.train() : Context.eval());

function queries(c: GanConfig): Record<"sample" | "decode" | "energy", Query<GanPlayers>> {
  const range = c.output === "tanh" ? "in [−1, 1]" : "unbounded";
  const weights = c.ema > 0 ? `EMA (decay ${c.ema}) generator weights` : "the generator's weights";
  const gen = (g: Generator, z: Tensor, ctx: { train: boolean }) => E.reshape(samplingNet(c, g).forward(z, layerCtx(ctx)), [z.shape[0], ...c.dataShape]);
  return {
    sample: {
      inputs: (n: number, opts: SampleOptions) => ({ z: E.tensor(opts.rng.fillNormal(new Float32Array(n * c.latent), 0, opts.temperature ?? 1), [n, c.latent]) }),
      run: ({ generator }, inp, ctx) => gen(generator, need(inp, "z", `[n, ${c.latent}] prior draws`), ctx),
      describe: `G(z) for z ~ N(0, T²I) with ${weights}, shaped [n, ${c.dataShape.join(", ")}], ${range}`,
    },
    decode: {
      run: ({ generator }, inp, ctx) => gen(generator, need(inp, "z", `[n, ${c.latent}] latent codes`), ctx),
      describe: `G(z) for given z [n, ${c.latent}] with ${weights}`,
    },
    energy: {
      run: ({ discriminator }, inp, ctx) => {
        const x = need(inp, "x", "data");
        const n = x.shape[0];
        const xs = E.reshape(x, [n, ...c.dataShape]);
        // a packing D scores each example in a pack of copies of itself: [n, m, ...] → n·m rows, n packs
        const rows = c.pack === 1 ? xs : E.reshape(E.broadcastTo(E.reshape(xs, [n, 1, ...c.dataShape]), [n, c.pack, ...c.dataShape]), [n * c.pack, ...c.dataShape]);
        const out = judge(c, discriminator, rows, layerCtx(ctx));
        return E.neg(E.reshape(out, [n]));
      },
      logDensityRatio: c.loss === "ns" || c.loss === "minimax",
      describe: `−D(x): the negated discriminator logit (critic score for WGAN) per example, the energy of the GAN's energy-based reading${c.pack > 1 ? ` (D packs ${c.pack}: each example judged in a pack of ${c.pack} copies of itself)` : ""}${c.minibatchStd > 0 ? `; with minibatch stddev, an example's energy depends on the others in its group of ${c.minibatchStd}` : ""}`,
    },
  };
}

/** A GAN from a resolved config. */
export function createGan(family: string, config: GanConfig, rng: Rng): GanModel {
  const c = config;
  const generator = new Generator(buildGeneratorNet(c, rng), { ema: c.ema > 0, prev: c.proximal > 0 });
  const discriminator = buildDiscriminatorNet(c, rng);
  return {
    family,
    config: c,
    recipe: ganRecipe(family, c),
    dataShape: [...c.dataShape],
    dataTransform: c.output === "tanh" ? "symmetric" : "none",
    players: { generator, discriminator },
    objectives: ganObjectives(c),
    queries: queries(c),
  };
}

const DEFAULTS: Record<string, GanConfig> = { "gan-toy": GAN_TOY_DEFAULTS, "gan-mnist": GAN_MNIST_DEFAULTS, dcgan: DCGAN_DEFAULTS };

/** A GAN of a family's reference configuration with overrides, typed as a GanModel (the registry's create returns the generic surface). */
export function ganModel(family: "gan-toy" | "gan-mnist" | "dcgan", config: Partial<GanConfig>, rng: Rng): GanModel {
  return createGan(family, resolveGanConfig(config, DEFAULTS[family]), rng);
}

/** The registry's view of a GAN: players typed as the generic record (objectives are contravariant in them). */
export const asGenerativeModel = (m: GanModel): GenerativeModel => m as unknown as GenerativeModel;
const generic = asGenerativeModel;

function family(name: string, description: string, defaults: GanConfig): ModelFamily<GanConfig> {
  return {
    name,
    description,
    defaults,
    recipe: ganRecipe(name, defaults),
    create: (config, rng) => generic(createGan(name, resolveGanConfig(config, defaults), rng)),
  };
}

const LOSS_NOTE = "loss ns | minimax | lsgan | wgan | wgan-gp; spectralNorm, instanceNoise, proximal, ema, pack, minibatchStd";

export const ganToyFamily = family("gan-toy", `MLP GAN on 2-D toy data (25 Gaussians), WGAN-GP by default; ${LOSS_NOTE}`, GAN_TOY_DEFAULTS);
export const ganMnistFamily = family("gan-mnist", `fully connected GAN on MNIST (two hidden layers of 512 in G and D); ${LOSS_NOTE}`, GAN_MNIST_DEFAULTS);
export const dcganFamily = family("dcgan", `DCGAN on MNIST (BENCHMARKS.md dcgan-mnist: transposed convs in G, strided convs in D); ${LOSS_NOTE}`, DCGAN_DEFAULTS);

/** Every GAN family, by name. */
export const GAN_FAMILIES: readonly ModelFamily<GanConfig>[] = [ganToyFamily, ganMnistFamily, dcganFamily];

/** Losses with their names, for listings. */
export const LOSS_DESCRIPTIONS: Record<GanLoss, string> = {
  ns: "non-saturating: G maximizes log D(G(z))",
  minimax: "original minimax: G minimizes log(1 − D(G(z)))",
  lsgan: "least squares (targets 0 and 1)",
  wgan: "Wasserstein critic with weight clipping",
  "wgan-gp": "Wasserstein critic with a gradient penalty on interpolates",
};

for (const f of GAN_FAMILIES) registerFamily(f);
