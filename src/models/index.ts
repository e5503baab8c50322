// Every model family, registered on import.
export * from "./model.js";
export { registerFamily, listFamilies, findFamily } from "./registry.js";
import "./gan/index.js";
