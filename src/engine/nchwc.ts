// Lowering in ONNX Runtime's blocked channel layout (NCHWc): float32 convolutions become its
// com.microsoft.nchwc Conv, whose direct kernels run ~1.6–1.9× faster than its NCHW Conv (an
// im2col GEMM per image) on the shapes of a training step (bench/NOTES.md, session 8). ORT's own layout
// pass only fires for convolutions with constant weights, so a training step, whose weights are
// inputs, never got it: here the weights are reordered inside the graph (they are small) and
// activations stay blocked from one conv to the next through every elementwise op between them.
// A value is reordered back to NCHW only where something else reads it.
import { create, toBinary } from "@bufbuild/protobuf";
import { GraphProtoSchema, ModelProtoSchema, NodeProtoSchema, OperatorSetIdProtoSchema, TensorShapeProto_DimensionSchema, TensorShapeProtoSchema, TypeProto_TensorSchema, TypeProtoSchema, ValueInfoProtoSchema } from "onnx-buf";
import { graphIndex, type IRGraph, type IRNode, type IRValue } from "./ir.js";
import type { AttrValue, OnnxBuilder } from "./onnx-builder.js";
import type { ConvAttrs, Prim, PrimAttrs } from "./primitive.js";

export const NCHWC_DOMAIN = "com.microsoft.nchwc";

/** Elementwise primitives: they lower to the same nodes in any layout when no input broadcasts. */
const ELEMENTWISE = new Set<Prim>([
  "neg", "exp", "log", "log1p", "sqrt", "abs", "sign", "tanh", "sigmoid", "relu", "softplus", "leakyRelu",
  "add", "sub", "mul", "div", "pow", "maximum", "minimum",
  "greater", "greaterEqual", "less", "lessEqual", "equal", "where", "cast", "stopGradient",
] as Prim[]);

const isScalarLike = (v: IRValue) => v.shape.length <= 4 && v.shape.every((d) => d === 1);
const sameShape = (a: IRValue, b: IRValue) => a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);
/** Blocked values are float32 (or bool masks, reordered through a float cast). */
const blockable = (v: IRValue) => v.dtype === "float32" || v.dtype === "bool";

/**
 * The layout half of lowering: `names` holds each value's NCHW name, `blocked` its NCHWc name;
 * a value has one or both, and the other is made on first demand (ReorderInput / ReorderOutput).
 */
export class NchwcLowering {
  readonly blocked = new Map<IRValue, string>();
  /** Values of nodes that a conv took in (an add between it and its activation): never lowered. */
  private readonly absorbed = new Set<IRValue>();
  private readonly index: ReturnType<typeof graphIndex>;

  constructor(
    g: IRGraph,
    private readonly b: OnnxBuilder,
    private readonly names: Map<IRValue, string>,
    /** Channels per block: 16 with AVX-512, 8 with AVX2 (MLAS's choice on the machine). */
    readonly block: number,
  ) {
    this.index = graphIndex(g);
  }

  has(v: IRValue): boolean {
    return this.names.has(v) || this.blocked.has(v);
  }

  /** Whether a node is already lowered as part of a conv before it (its add or activation). */
  done(v: IRValue): boolean {
    return this.blocked.has(v) || this.absorbed.has(v);
  }

  /** The value's NCHW name, reordering it out of the blocked layout if that is all it has. */
  nchw(v: IRValue): string {
    let name = this.names.get(v);
    if (name !== undefined) return name;
    const blocked = this.blocked.get(v)!;
    const channels = v.shape[1];
    if (v.dtype === "float32") name = this.b.op1("ReorderOutput", [blocked], { channels }, ["channels"], NCHWC_DOMAIN);
    else {
      const f = this.b.op1("Cast", [blocked], { to: 1 }, ["to"]);
      name = this.b.op1("Cast", [this.b.op1("ReorderOutput", [f], { channels }, ["channels"], NCHWC_DOMAIN)], { to: 9 }, ["to"]);
    }
    this.names.set(v, name);
    return name;
  }

  private toBlocked(v: IRValue): string {
    let name = this.blocked.get(v);
    if (name !== undefined) return name;
    const plain = this.names.get(v)!;
    if (v.dtype === "float32") name = this.b.op1("ReorderInput", [plain], {}, [], NCHWC_DOMAIN);
    else name = this.b.op1("Cast", [this.b.op1("ReorderInput", [this.b.op1("Cast", [plain], { to: 1 }, ["to"])], {}, [], NCHWC_DOMAIN)], { to: 9 }, ["to"]);
    this.blocked.set(v, name);
    return name;
  }

  private fits(v: IRValue): boolean {
    return v.shape.length === 4 && v.shape[1] % this.block === 0 && blockable(v);
  }

  /**
   * conv2d(x, W[, bias]) as an NCHWc Conv when its channels fit the blocks: output channels a
   * multiple of the block, input channels too (blocked input) or fewer than a block (NCHW input).
   */
  conv(prim: Prim, attrs: unknown, inputs: IRValue[], out: IRValue): boolean {
    if (prim !== "conv2d" || out.dtype !== "float32") return false;
    const a = attrs as ConvAttrs;
    const [x, w, bias] = inputs;
    const [co, ci] = w.shape;
    const B = this.block;
    if (a.groups !== 1 || co % B !== 0 || !(ci % B === 0 || ci < B)) return false;
    // a dilated conv here is a strided conv's weight gradient (a conv over the batch axis whose
    // "weights" are activations): reordering those costs more than the blocked kernel saves
    if (a.dilation[0] !== 1 || a.dilation[1] !== 1) return false;
    const blockedIn = ci % B === 0;
    const xin = blockedIn ? this.toBlocked(x) : this.nchw(x);
    // an add of a same-shaped value read only off this conv (a residual, a gradient accumulation)
    // preloads the output (the kernel's Sum input), and an activation after either goes last
    let tail = out;
    let sum: string | undefined;
    const add = this.soleReader(out);
    if (add?.prim === "add" && add.inputs[0] !== add.inputs[1]) {
      const other = add.inputs.find((v) => v !== out)!;
      if (sameShape(other, out) && other.dtype === "float32" && this.has(other)) [sum, tail] = [this.toBlocked(other), add.output];
    }
    const act = this.fusableActivation(tail);
    const pads = [a.padding[0], a.padding[1], a.padding[0], a.padding[1]];
    const y = this.emitConv(xin, this.nchw(w), w.shape, blockedIn, bias ? this.nchw(bias) : null, a.stride, pads, act, sum);
    // with the add or activation fused, the conv's output is theirs (they were its only readers)
    if (act && tail !== out) this.absorbed.add(tail);
    this.blocked.set(act ? act.output : tail, y);
    return true;
  }

  /**
   * A strided transposed conv as s_h·s_w stride-1 NCHWc convs, one per output phase, interleaved
   * (sub-pixel convolution): output row Y = s·Q + φ − p takes the kernel taps φ, φ + s, … only.
   * ORT's ConvTranspose (a GEMM per image, then a one-thread col2im) runs D's input gradient and
   * G's upsampling at ~half the blocked kernels' speed. Same FLOPs; only when every phase has the
   * same number of output rows and columns and needs no input cropping.
   */
  convTranspose(prim: Prim, attrs: unknown, inputs: IRValue[], out: IRValue): boolean {
    if (prim !== "convTranspose2d" || out.dtype !== "float32") return false;
    const a = attrs as PrimAttrs["convTranspose2d"];
    const [x, w, bias] = inputs;
    const [ci, co, kh, kw] = w.shape;
    const B = this.block;
    if (a.groups !== 1 || co % B !== 0 || !(ci % B === 0 || ci < B) || a.dilation.some((d) => d !== 1)) return false;
    const [s, p, k, inSize, outSize] = [a.stride, a.padding, [kh, kw], x.shape.slice(2), out.shape.slice(2)];
    if (s.every((v) => v === 1) || outSize.some((o, i) => o % s[i] !== 0)) return false;
    // per axis and output phase r (Y = s·q + r): kernel phase φ, its taps, the conv's padding
    const phases = [0, 1].map((i) =>
      Array.from({ length: s[i] }, (_, r) => {
        const phi = (r + p[i]) % s[i];
        const taps = Math.ceil((k[i] - phi) / s[i]);
        const q0 = (r + p[i] - phi) / s[i]; // the first Q with s·Q + φ − p = r
        const rows = outSize[i] / s[i];
        return { phi, taps, before: taps - 1 - q0, after: q0 + rows - inSize[i] };
      }),
    );
    if (phases.some((axis) => axis.some((f) => f.taps < 1 || f.before < 0 || f.after < 0))) return false;
    const blockedIn = ci % B === 0;
    const xin = blockedIn ? this.toBlocked(x) : this.nchw(x);
    const bname = bias ? this.nchw(bias) : null;
    const act = this.fusableActivation(out);
    const parts: string[] = [];
    for (const fh of phases[0])
      for (const fw of phases[1]) {
        // K[o, c, j, l] = W[c, o, φh + s(Mh − 1 − j), φw + s(Mw − 1 − l)]: every s-th tap, reversed
        const starts = [fh.phi + s[0] * (fh.taps - 1), fw.phi + s[1] * (fw.taps - 1)];
        const taken = this.b.op1("Slice", [this.nchw(w), this.b.int64(starts), this.b.int64([-kh - 1, -kw - 1]), this.b.int64([2, 3]), this.b.int64([-s[0], -s[1]])]);
        const kernel = this.b.op1("Transpose", [taken], { perm: [1, 0, 2, 3] }, ["perm"]);
        parts.push(this.emitConv(xin, kernel, [co, ci, fh.taps, fw.taps], blockedIn, bname, [1, 1], [fh.before, fw.before, fh.after, fw.after], act));
      }
    // the phases side by side along the blocked channel axis, then each row/column block interleaved
    const [n] = out.shape;
    const [qh, qw] = [outSize[0] / s[0], outSize[1] / s[1]];
    const stacked = parts.length === 1 ? parts[0] : this.b.op1("Concat", parts, { axis: 1 }, ["axis"]);
    const split = this.b.op1("Reshape", [stacked, this.b.int64([n, s[0], s[1], co / B, qh, qw, B])]);
    const inter = this.b.op1("Transpose", [split], { perm: [0, 3, 4, 1, 5, 2, 6] }, ["perm"]);
    this.blocked.set(act ? act.output : out, this.b.op1("Reshape", [inter, this.b.int64(out.shape)]));
    return true;
  }

  /**
   * One blocked Conv node: weight w [Co, Ci, kh, kw] (an NCHW name) reordered into MLAS's filter
   * layout, [Co/B, Ci/B, kh, kw, B(in), B(out)] for blocked input or [Co/B, Ci, kh, kw, B(out)] for
   * NCHW input; optional bias, Sum input (added before the activation) and fused activation.
   */
  private emitConv(x: string, w: string, shape: number[], blockedIn: boolean, bias: string | null, strides: number[], pads: number[], act: IRNode | null, sum?: string): string {
    const [co, ci, kh, kw] = shape;
    const B = this.block;
    const wr = blockedIn ? this.reorderWeight(w, [co / B, B, ci / B, B, kh, kw], [0, 2, 4, 5, 3, 1], shape) : this.reorderWeight(w, [co / B, B, ci, kh, kw], [0, 2, 3, 4, 1], shape);
    const ins = sum ? [x, wr, bias ?? "", sum] : bias ? [x, wr, bias] : [x, wr];
    const attrs: Record<string, AttrValue> = { kernel_shape: [kh, kw], strides, pads, dilations: [1, 1], group: 1 };
    if (act) attrs.activation = act.prim === "relu" ? "Relu" : "LeakyRelu";
    if (act?.prim === "leakyRelu") attrs.activation_params = [(act.attrs as PrimAttrs["leakyRelu"]).alpha];
    return this.b.op1("Conv", ins, attrs, ["kernel_shape", "strides", "pads", "dilations", "group"], NCHWC_DOMAIN);
  }

  /** The node that alone reads v, when v is not also a graph output. */
  private soleReader(v: IRValue): IRNode | null {
    const readers = this.index.uses.get(v) ?? [];
    return readers.length === 1 && !this.index.outputs.has(v) ? readers[0] : null;
  }

  /** The ReLU or LeakyReLU that is the only reader of a conv's output, to run in the conv's epilogue. */
  private fusableActivation(out: IRValue): IRNode | null {
    const n = this.soleReader(out);
    return n?.prim === "relu" || n?.prim === "leakyRelu" ? n : null;
  }

  private reorderWeight(w: string, split: number[], perm: number[], shape: number[]): string {
    const t = this.b.op1("Transpose", [this.b.op1("Reshape", [w, this.b.int64(split)])], { perm }, ["perm"]);
    return this.b.op1("Reshape", [t, this.b.int64(shape)]);
  }

  /**
   * Pad and Slice over the spatial axes and reductions over them (a conv bias's gradient) read a
   * blocked input in place: viewed as [N, C/B, H, W, B], the spatial axes are still axes 2 and 3.
   * Returns false where the node needs its input in NCHW.
   */
  spatial(prim: Prim, attrs: unknown, inputs: IRValue[], out: IRValue): boolean {
    const [x] = inputs;
    if (!this.blocked.has(x) || x.shape.length !== 4) return false;
    const [n, c, h, w] = x.shape;
    const B = this.block;
    const as5d = () => this.b.op1("Reshape", [this.blocked.get(x)!, this.b.int64([n, c / B, h, w, B])]);
    // a padded or sliced value stays blocked only for a reader that can take it so (a conv, an
    // elementwise op); dW's shifted windows go to GEMMs in NCHW, better reordered once before
    if ((prim === "pad" || prim === "slice") && !(this.index.uses.get(out) ?? []).some((r) => r.prim === "conv2d" || ELEMENTWISE.has(r.prim))) return false;
    if (prim === "pad") {
      const { pads, value } = attrs as PrimAttrs["pad"];
      if (pads[0].some((p) => p !== 0) || pads[1].some((p) => p !== 0)) return false;
      const flat = [0, 0, pads[2][0], pads[3][0], 0, 0, 0, pads[2][1], pads[3][1], 0];
      const padded = this.b.op1("Pad", [as5d(), this.b.int64(flat), this.b.scalar(value, x.dtype === "bool" ? "bool" : "float32")], { mode: "constant" });
      this.blocked.set(out, this.b.op1("Reshape", [padded, this.b.int64(out.shape)]));
      return true;
    }
    if (prim === "slice") {
      const { starts, ends, steps } = attrs as PrimAttrs["slice"];
      if ([0, 1].some((i) => starts[i] !== 0 || ends[i] !== x.shape[i] || steps[i] !== 1)) return false;
      const sliced = this.b.op1("Slice", [as5d(), this.b.int64(starts.slice(2)), this.b.int64(ends.slice(2)), this.b.int64([2, 3]), this.b.int64(steps.slice(2))]);
      this.blocked.set(out, this.b.op1("Reshape", [sliced, this.b.int64(out.shape)]));
      return true;
    }
    if (prim === "sum" && x.dtype === "float32") {
      const { axes } = attrs as PrimAttrs["sum"];
      if (axes.includes(1) || !axes.includes(2) || !axes.includes(3)) return false;
      // H·W first (one merged axis between kept ones), then N: both fast patterns of ORT's reduce
      const merged = this.b.op1("Reshape", [this.blocked.get(x)!, this.b.int64([n, c / B, h * w, B])]);
      let r = this.b.op1("ReduceSum", [merged, this.b.int64([2])], { keepdims: 0 }, ["keepdims"]);
      if (axes.includes(0)) r = this.b.op1("ReduceSum", [r, this.b.int64([0])], { keepdims: 0 }, ["keepdims"]);
      this.names.set(out, this.b.op1("Reshape", [r, this.b.int64(out.shape)]));
      return true;
    }
    return false;
  }

  /**
   * An elementwise node stays blocked when one of its full-size inputs already is and every other
   * input has its shape or is a single element. Returns the input names to lower it with, or null.
   */
  elementwiseInputs(prim: Prim, inputs: IRValue[], out: IRValue): string[] | null {
    if (!ELEMENTWISE.has(prim) || !this.fits(out)) return null;
    const full = inputs.filter((v) => !isScalarLike(v));
    if (full.length === 0 || !full.every((v) => sameShape(v, out) && blockable(v))) return null;
    if (!full.some((v) => this.blocked.has(v))) return null;
    return inputs.map((v) => (isScalarLike(v) ? this.nchw(v) : this.toBlocked(v)));
  }
}

/** A model of one ReorderInput from x [1, 4, 1, 1] to y: y's channels are the block size. */
export function nchwcProbeModel(): Uint8Array {
  const dims = (shape: number[]) => create(TensorShapeProtoSchema, { dim: shape.map((d) => create(TensorShapeProto_DimensionSchema, { value: { case: "dimValue", value: BigInt(d) } })) });
  const float = (name: string, shape?: number[]) =>
    create(ValueInfoProtoSchema, { name, type: create(TypeProtoSchema, { value: { case: "tensorType", value: create(TypeProto_TensorSchema, { elemType: 1, ...(shape ? { shape: dims(shape) } : {}) }) } }) });
  const graph = create(GraphProtoSchema, {
    name: "nchwc_probe",
    node: [create(NodeProtoSchema, { opType: "ReorderInput", domain: NCHWC_DOMAIN, input: ["x"], output: ["y"] })],
    input: [float("x", [1, 4, 1, 1])],
    output: [float("y")],
  });
  return toBinary(
    ModelProtoSchema,
    create(ModelProtoSchema, {
      irVersion: 8n,
      producerName: "eikon",
      opsetImport: [create(OperatorSetIdProtoSchema, { domain: "", version: 17n }), create(OperatorSetIdProtoSchema, { domain: NCHWC_DOMAIN, version: 1n })],
      graph,
    }),
  );
}
