// Sequential: layers applied in order. Its state-dict names are the layer indices
// (`0.weight`, `1.running_mean`), as torch.nn.Sequential.
import type { Tensor } from "../engine/index.js";
import type { Context } from "./context.js";
import { Module, type Layer } from "./module.js";

export class Sequential extends Module {
  static override stateDictNames = { layers: "" };
  readonly layers: Layer[];

  constructor(...layers: Layer[]) {
    super();
    this.layers = layers;
  }

  forward(x: Tensor, ctx: Context): Tensor {
    let y = x;
    for (const layer of this.layers) y = layer.forward(y, ctx);
    return y;
  }
}
