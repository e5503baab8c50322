// Heavy layers load when a command runs, not when eikon starts: `--help` and bad flags answer at once.
/** The trainer, run directories, metrics registry, exporter (and, through them, the engine). */
export async function trainLayer() {
  return import("../train/index.js");
}

/** The model registry with every family registered, and every metric registered. */
export async function modelsLayer() {
  const models = await import("../models/index.js");
  await import("./metrics.js");
  return models;
}
