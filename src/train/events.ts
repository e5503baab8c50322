// Training events on node:diagnostics_channel: zero cost without subscribers, and a way for tools
// that did not start the run (profilers, dashboards, crash-injection in tests) to observe it.
import { channel } from "node:diagnostics_channel";

/** After each training step (one iteration of every objective): `{ step, values }`. */
export const stepChannel = channel("eikon:train:step");
/** After a checkpoint is durably on disk: `{ step, path, best }`. */
export const checkpointChannel = channel("eikon:train:checkpoint");

export interface StepMessage {
  step: number;
  values: Record<string, number>;
}

export interface CheckpointMessage {
  step: number;
  path: string;
  best: boolean;
}
