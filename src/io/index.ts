// Eikon's I/O layer: crash-safe writes, safetensors parameter files, PNG image grids, .npy samples.
export { tempPathFor, writeFileAtomic, writeFileAtomicSync, writeJsonAtomic, writeJsonAtomicSync } from "./atomic.js";
export type { NamedTensor, TensorData, TensorDtype } from "./tensor.js";
export { SafetensorsError, decodeSafetensors, encodeSafetensors, loadSafetensors, saveSafetensors } from "./safetensors.js";
export type { SafetensorsContents } from "./safetensors.js";
export { expectTensors } from "./expect-tensors.js";
export type { ExpectTensorsOptions } from "./expect-tensors.js";
export { decodePng, decodePngBytes, encodePng } from "./png.js";
export type { DecodedImage, PngChannels } from "./png.js";
export { imageGrid, saveImageGrid, saveImageStrip } from "./image-grid.js";
export type { ImageGrid, ImageGridOptions, SavedImageGrid } from "./image-grid.js";
export { encodeNpy, saveNpy } from "./npy.js";
export type { NpyData } from "./npy.js";
