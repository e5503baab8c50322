// The autoencoder families (bottleneck, sparse, denoising; registered on import) and the encoder and
// decoder networks the VAE family shares.
export { autoencoderFamily, sparseAutoencoderFamily, denoisingAutoencoderFamily, createAutoencoder, AutoencoderNet, AE_RECIPE } from "./family.js";
export { encode as encodeAutoencoder, corrupt, sparsityPenalty, reconstructionLoss } from "./family.js";
export type { AutoencoderModel, AePlayers } from "./family.js";
export { AE_DEFAULTS, SPARSE_AE_DEFAULTS, DENOISING_AE_DEFAULTS, resolveAeConfig } from "./config.js";
export type { AeConfig, AeLoss, Sparsity, Corruption, CodeActivation } from "./config.js";
export { buildEncoder, buildDecoder, mlp, pixelOutputs, encoderInput, layerContext, flatSize } from "./networks.js";
export type { Arch, NetworkShape } from "./networks.js";
export { create } from "./create.js";
