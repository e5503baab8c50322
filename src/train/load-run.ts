// A trained model from its run directory alone: config.json says which family and config to
// create, a checkpoint supplies the parameters and buffers.
import { existsSync } from "node:fs";
import { Rng, type Tensor } from "../engine/index.js";
import { loadNamedTensors } from "../nn/index.js";
import { findFamily, type GenerativeModel } from "../models/index.js";
import { bestCheckpointPath, listCheckpoints, loadCheckpoint, type Checkpoint } from "./checkpoint.js";
import { readRunConfig, RunDirError, runPaths, type RunConfig } from "./run-dir.js";

export interface LoadedRun {
  model: GenerativeModel;
  config: RunConfig;
  checkpoint: Checkpoint;
}

/** Which checkpoint: "latest" (default), "best", or a path to a checkpoint file. */
export type CheckpointChoice = "latest" | "best" | (string & {});

/** The checkpoint file a choice names in a run directory. */
export function checkpointFile(root: string, choice: CheckpointChoice = "latest"): string {
  const dir = runPaths(root).checkpoints;
  if (choice === "best") {
    const p = bestCheckpointPath(dir);
    if (!existsSync(p)) throw new RunDirError(`run '${root}' has no best checkpoint yet (checkpoints/best.safetensors)`);
    return p;
  }
  if (choice === "latest") {
    const all = listCheckpoints(dir);
    if (all.length === 0) throw new RunDirError(`run '${root}' has no checkpoints (checkpoints/step-*.safetensors); was it stopped before its first save?`);
    return all[all.length - 1].path;
  }
  if (!existsSync(choice)) throw new RunDirError(`checkpoint file '${choice}' does not exist`);
  return choice;
}

/** A model's players loaded from a checkpoint's tensors (optimizer state ignored). */
export function loadPlayers(model: GenerativeModel, tensors: ReadonlyMap<string, Tensor>, source: string): void {
  const map = new Map<string, Tensor>();
  for (const [k, v] of tensors) if (!k.startsWith("optimizer.")) map.set(k, v);
  try {
    model.players = loadNamedTensors(model.players, map);
  } catch (e) {
    throw new RunDirError(`${source}: ${(e as Error).message}`);
  }
}

/** Rebuilds a run's model and loads a checkpoint into it. */
export async function loadRun(root: string, choice: CheckpointChoice = "latest"): Promise<LoadedRun> {
  const config = readRunConfig(root);
  const family = findFamily(config.family);
  const model = family.create(config.config, new Rng(config.seed));
  const file = checkpointFile(root, choice);
  const checkpoint = await loadCheckpoint(file);
  if (checkpoint.state.family !== config.family) throw new RunDirError(`${file} holds a '${checkpoint.state.family}' model, but run '${root}' is '${config.family}'`);
  loadPlayers(model, checkpoint.tensors, file);
  return { model, config, checkpoint };
}
