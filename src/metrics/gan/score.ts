// Scoring a set of samples by metric name, with no model: what `eikon eval --samples file.npy`
// runs, so that samples from any program (the PyTorch peers, another library) are compared on the
// same features as Eikon's own. Images (28×28, for fid and digits) and 2-D points (for mode
// coverage on a toy mixture) are told apart by their shape (samples.ts: sampleKind).
import type { Backend } from "../../engine/index.js";
import { digits } from "./digits.js";
import { fid } from "./fid.js";
import { modes } from "./modes.js";
import type { SampleMetricResult, SampleSet } from "./samples.js";

export interface SampleScoreOptions {
  /** The toy mixture whose modes mode coverage counts ("25gaussians", "8gaussians"). */
  target?: string;
  backend?: Backend;
  /** Progress messages (training the feature net on first use). */
  log?: (msg: string) => void;
}

export interface SampleMetricDef {
  name: string;
  /** Other names the metric answers to. */
  aliases: readonly string[];
  /** What the samples must be. */
  kind: "images" | "points";
  /** Fewest samples the metric is defined for. */
  minSamples: number;
  /** Needs the toy mixture (options.target). */
  needsTarget: boolean;
  description: string;
  score(s: SampleSet, opts: SampleScoreOptions): Promise<SampleMetricResult>;
}

export const SAMPLE_METRICS: readonly SampleMetricDef[] = [
  {
    name: "fid",
    aliases: [],
    kind: "images",
    minSamples: 2,
    needsTarget: false,
    description: "Fréchet distance to the MNIST test set on the features of Eikon's MNIST classifier (lower is better; biased upward for small N)",
    score: (s, o) => fid(s, { backend: o.backend, log: o.log }),
  },
  {
    name: "digits",
    aliases: [],
    kind: "images",
    minSamples: 1,
    needsTarget: false,
    description: "digits of 10 that receive ≥ 5 % of the samples under Eikon's MNIST classifier, with each digit's share and the KL to uniform",
    score: (s, o) => digits(s, { backend: o.backend, log: o.log }),
  },
  {
    name: "mode-coverage",
    aliases: ["modes"],
    kind: "points",
    minSamples: 1,
    needsTarget: true,
    description: "modes of a toy Gaussian mixture with a high-quality sample (within 3σ of the nearest centre), the high-quality fraction, and the KL of the mode histogram to uniform",
    score: (s, o) => {
      if (!o.target) throw new Error("mode coverage needs the toy mixture (target: 25gaussians or 8gaussians)");
      return modes(s, { target: o.target });
    },
  },
];

/** A sample metric by its name or alias, or undefined. */
export function findSampleMetric(name: string): SampleMetricDef | undefined {
  return SAMPLE_METRICS.find((m) => m.name === name || m.aliases.includes(name));
}

/** The names --samples accepts, for messages: "fid, digits, mode-coverage (or modes)". */
export const sampleMetricNames = (): string => SAMPLE_METRICS.map((m) => (m.aliases.length ? `${m.name} (or ${m.aliases.join(", ")})` : m.name)).join(", ");
