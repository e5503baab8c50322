// Every model family, registered on import.
export * from "./model.js";
export { registerFamily, listFamilies, findFamily } from "./registry.js";
import "./autoencoder/index.js";
import "./vae/index.js";
import "./gan/index.js";
