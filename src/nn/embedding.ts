// Embedding: rows of a [num, dim] table looked up by int32 indices; initialized N(0, 1) as
// torch.nn.Embedding.
import { Rng, Tensor, gather, type DType } from "../engine/index.js";
import type { Context } from "./context.js";
import { Module } from "./module.js";
import { normal, toRng, type Initializer } from "./init.js";

export interface EmbeddingOptions {
  rng: Rng | number;
  dtype?: DType;
  /** Default N(0, 1). */
  init?: Initializer;
}

export class Embedding extends Module {
  readonly weight: Tensor;
  readonly numEmbeddings: number;
  readonly embeddingDim: number;

  constructor(numEmbeddings: number, embeddingDim: number, opts: EmbeddingOptions) {
    super();
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    this.weight = (opts.init ?? normal(1))(toRng(opts.rng), [numEmbeddings, embeddingDim], opts.dtype ?? "float32");
  }

  /** indices (int32, any shape) → indices.shape + [embeddingDim]. */
  forward(indices: Tensor, _ctx: Context): Tensor {
    if (indices.dtype !== "int32") throw new Error(`Embedding: indices must be int32, got ${indices.describe()}`);
    return gather(this.weight, indices);
  }
}
