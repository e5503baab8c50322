// Checkpoints: one safetensors file per saved step holding every player's parameters and buffers
// and every optimizer's state under PyTorch state-dict names, with the rest of the training state
// (step, RNG, data position, learning-rate scale) as JSON in the file's metadata. One file, written
// atomically: a crash leaves the previous checkpoint or the new one, never half of one.
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { Tensor, type DType, type RngState } from "../engine/index.js";
import { encodeSafetensors, loadSafetensors, SafetensorsError, writeFileAtomic, type NamedTensor } from "../io/index.js";
import type { IteratorState } from "../data/index.js";
import { stepTag } from "./run-dir.js";

export const CHECKPOINT_FORMAT = "eikon-checkpoint/1";
const META_KEY = "eikon";

/** Everything about a run's position that is not a tensor. */
export interface CheckpointState {
  format: typeof CHECKPOINT_FORMAT;
  /** Training steps completed. */
  step: number;
  /** Epoch of the data iterator's next batch. */
  epoch: number;
  family: string;
  config: Record<string, unknown>;
  /** The trainer's noise generator. */
  rng: { s: RngState; spare: number | null };
  /** Position of the training data iterator (null when the run never drew a batch). */
  iterator: IteratorState | null;
  /** Multiplies every learning rate (halved by each NaN rollback). */
  lrScale: number;
  /** Wall-clock seconds trained so far. */
  elapsed: number;
  /** The best score so far and where it was reached (lower is better). */
  best: { score: number; metric: string; step: number } | null;
}

export interface Checkpoint {
  /** Tensors by name: `<player>.<state-dict name>`, `optimizer.<player>.<slot>.<state-dict name>`. */
  tensors: Map<string, Tensor>;
  state: CheckpointState;
  path: string;
}

function toNamed(t: Tensor): NamedTensor {
  return { dtype: t.dtype, shape: [...t.shape], data: t.values() } as NamedTensor;
}

function fromNamed(name: string, n: NamedTensor, path: string): Tensor {
  const dtypes: Record<string, DType> = { float32: "float32", float64: "float64", int32: "int32", bool: "bool" };
  const dt = dtypes[n.dtype];
  if (!dt) throw new SafetensorsError(path, `${path}: tensor '${name}' has dtype ${n.dtype}, which an Eikon checkpoint never holds`);
  return new Tensor(n.shape, dt, n.data as Float32Array | Float64Array | Int32Array | Uint8Array);
}

/** The checkpoint file's bytes. */
export function encodeCheckpoint(tensors: ReadonlyMap<string, Tensor>, state: CheckpointState): Uint8Array {
  const named: Record<string, NamedTensor> = {};
  for (const [name, t] of tensors) named[name] = toNamed(t);
  return encodeSafetensors(named, { [META_KEY]: JSON.stringify(state) });
}

/** Writes a checkpoint to each path (the same bytes), atomically. */
export async function saveCheckpoint(paths: string | readonly string[], tensors: ReadonlyMap<string, Tensor>, state: CheckpointState): Promise<void> {
  const bytes = encodeCheckpoint(tensors, state);
  for (const p of typeof paths === "string" ? [paths] : paths) await writeFileAtomic(p, bytes);
}

export async function loadCheckpoint(path: string): Promise<Checkpoint> {
  const { tensors, metadata } = await loadSafetensors(path);
  const raw = metadata[META_KEY];
  if (raw === undefined) throw new SafetensorsError(path, `${path}: not an Eikon checkpoint (no "${META_KEY}" metadata)`);
  let state: CheckpointState;
  try {
    state = JSON.parse(raw) as CheckpointState;
  } catch (e) {
    throw new SafetensorsError(path, `${path}: checkpoint metadata is not valid JSON (${(e as Error).message})`);
  }
  if (state.format !== CHECKPOINT_FORMAT) throw new SafetensorsError(path, `${path}: checkpoint format ${JSON.stringify(state.format)}, expected "${CHECKPOINT_FORMAT}"`);
  const map = new Map<string, Tensor>();
  for (const [name, n] of Object.entries(tensors)) map.set(name, fromNamed(name, n, path));
  return { tensors: map, state, path };
}

export interface CheckpointEntry {
  step: number;
  path: string;
}

const STEP_FILE = /^step-(\d+)\.safetensors$/;

export function checkpointPath(dir: string, step: number): string {
  return join(dir, `${stepTag(step)}.safetensors`);
}

export function bestCheckpointPath(dir: string): string {
  return join(dir, "best.safetensors");
}

/** The step checkpoints in a directory, oldest first. */
export function listCheckpoints(dir: string): CheckpointEntry[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((f) => ({ m: STEP_FILE.exec(f), f }))
    .filter((e) => e.m !== null)
    .map((e) => ({ step: Number(e.m![1]), path: join(dir, e.f) }))
    .sort((a, b) => a.step - b.step);
}

/** The newest checkpoint that loads (a damaged newer file is skipped with its reason). */
export async function loadLatestCheckpoint(dir: string, onSkip?: (path: string, reason: string) => void): Promise<Checkpoint | null> {
  const all = listCheckpoints(dir);
  for (let i = all.length - 1; i >= 0; i--) {
    try {
      return await loadCheckpoint(all[i].path);
    } catch (e) {
      onSkip?.(all[i].path, (e as Error).message);
    }
  }
  return null;
}

/** Deletes all but the newest `keep` step checkpoints (best.safetensors is separate and stays). */
export function pruneCheckpoints(dir: string, keep: number): void {
  const all = listCheckpoints(dir);
  for (const e of all.slice(0, Math.max(0, all.length - keep))) rmSync(e.path, { force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Removes temp files that a killed writer left behind (`.<name>.tmp-<pid>-<random>`, from a process no longer running). */
export function removeStaleTemps(dir: string): void {
  if (!existsSync(dir)) return;
  for (const f of readdirSync(dir)) {
    const m = /^\..*\.tmp-(\d+)-[0-9a-f]+$/.exec(f);
    if (m && Number(m[1]) !== process.pid && !alive(Number(m[1]))) rmSync(join(dir, f), { force: true });
  }
}
