// What every architecture module under bench/archs/ hands the runner.
import type { Backend, Compiled, CompiledStats } from "../../src/engine/index.js";

/** One compiled function a training step calls, for stats (runMs, compileMs) and the traced IR (FLOPs). */
export interface StepPart {
  name: string;
  compiled: Compiled<any, any>;
  /** How many times one training step calls it (WGAN-GP: the critic step 5×). */
  callsPerStep: number;
  /** Arguments of the current state, to trace the graph for FLOP counting. */
  args(): unknown[];
  /** The step's own stats when they differ from `compiled.stats` (shards: the longest shard's session time). */
  stats?: CompiledStats;
}

export interface EikonArch {
  id: string;
  batch: number;
  /** One training step, the same maths as the PyTorch peer's step(); returns the loss the peer prints. */
  step(): Promise<number>;
  parts: StepPart[];
  /** Milliseconds spent so far in host-side optimizer updates (src/optim/host), when the step uses them. */
  updateMs?(): number;
  dispose(): Promise<void>;
}

export interface ArchOptions {
  seed: number;
  /** Where the compiled steps run (default: the engine's default backend, threads = cores). */
  backend?: Backend;
  /** Data-parallel shards of each step (trainStep's `shards`; archs in SHARDABLE only). */
  shards?: number;
}

/** The JSON line a peer (PyTorch program or the TF.js runner) prints. */
export interface PeerResult {
  model: string;
  batch: number;
  threads: number;
  ms_per_step: number;
  loss_first: number | null;
  loss_last: number | null;
}
