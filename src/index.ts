// Eikon's public API, re-exported name by name.
export { Rng } from "./engine/random.js";
export type { RngState } from "./engine/random.js";
