// Emission: an IR graph → ONNX ModelProto bytes at one pinned opset, serialized with the
// maintained schema package (onnx-buf on @bufbuild/protobuf).
import { create, toBinary } from "@bufbuild/protobuf";
import {
  AttributeProto_AttributeType,
  ModelProtoSchema,
  type AttributeProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from "onnx-buf";
import { AttributeProtoSchema, GraphProtoSchema, NodeProtoSchema, OperatorSetIdProtoSchema, TensorProtoSchema, TensorShapeProtoSchema, TypeProtoSchema, ValueInfoProtoSchema, TensorShapeProto_DimensionSchema, TypeProto_TensorSchema } from "onnx-buf";
import { ONNX_DTYPE, type DType, type TypedArray } from "./dtype.js";
import { OnnxBuilder, type AttrValue, type OnnxConstant } from "./onnx-builder.js";
import type { IRGraph, IRValue } from "./ir.js";
import { rule } from "./registry.js";
import { emitGemm, planGemms } from "./gemm.js";
import { planConvBias } from "./conv-bias.js";
import { NCHWC_DOMAIN, NchwcLowering } from "./nchwc.js";

export const OPSET = 17;
const IR_VERSION = 8n;
const INT64 = 7;

export interface LoweredModel {
  bytes: Uint8Array;
  /** ONNX names of the graph's inputs, in the IR's input order. */
  inputNames: string[];
  outputNames: string[];
}

export interface LowerOptions {
  /**
   * Channels per block of ONNX Runtime's NCHWc layout when float32 convolutions should run in it
   * (`nchwcBlockSize()` of the native backend); 0 or absent: plain NCHW, portable ONNX.
   */
  nchwcBlock?: number;
}

/** Lower every node through its primitive's toOnnx rule. */
export function lowerGraph(g: IRGraph, b = new OnnxBuilder(), opts: LowerOptions = {}): { builder: OnnxBuilder; names: Map<IRValue, string>; outputs: string[] } {
  const names = new Map<IRValue, string>();
  for (const i of g.inputs) names.set(i, i.name);
  for (const c of g.constants) names.set(c, b.constant(c.data, c.shape, c.dtype, "c"));
  const gemms = planGemms(g);
  const convs = planConvBias(g);
  const layout = opts.nchwcBlock ? new NchwcLowering(g, b, names, opts.nchwcBlock) : null;
  const lowered = (v: IRValue) => names.has(v) || (layout?.has(v) ?? false);
  const nchw = (v: IRValue) => (layout ? layout.nchw(v) : names.get(v)!);
  for (const n of g.nodes) {
    if (gemms.absorbed.has(n) || gemms.dead.has(n) || convs.absorbed.has(n) || convs.dead.has(n)) continue;
    if (layout?.done(n.output)) continue; // an add or activation the conv before it took in
    const gemm = gemms.emit.get(n);
    const conv = convs.emit.get(n);
    // the node whose rule lowers n (a conv stands in for the add that takes its bias), and its inputs
    const [node, inputs] = conv ? [conv.conv, [...conv.conv.inputs, conv.bias]] : [n, n.inputs];
    const missing = (gemm ? [gemm.a, gemm.b, ...(gemm.c ? [gemm.c] : [])] : inputs).find((i) => !lowered(i));
    if (missing) {
      const prod = g.nodes.find((m) => m.output === missing);
      throw new Error(`internal: lowering ${n.prim} → ${n.output.name}: its input ${missing.name} (${prod?.prim ?? "?"}${prod ? `, absorbed=${gemms.absorbed.has(prod) || convs.absorbed.has(prod)}, dead=${gemms.dead.has(prod) || convs.dead.has(prod)}` : ""}) was never lowered`);
    }
    if (gemm) {
      if (layout) [gemm.a, gemm.b, ...(gemm.c ? [gemm.c] : [])].forEach(nchw);
      names.set(n.output, emitGemm(b, names, gemm));
      continue;
    }
    if (layout && (layout.conv(node.prim, node.attrs, inputs, n.output) || layout.convTranspose(node.prim, node.attrs, inputs, n.output) || layout.spatial(node.prim, node.attrs, inputs, n.output))) continue;
    const blockedInputs = layout?.elementwiseInputs(node.prim, inputs, n.output);
    const out = rule(node.prim).toOnnx(b, blockedInputs ?? inputs.map(nchw), node.attrs as never, { inputs: node.inputs, out: n.output });
    if (blockedInputs) layout!.blocked.set(n.output, out);
    else names.set(n.output, out);
  }
  if (layout) g.outputs.forEach(nchw);
  // graph outputs get their own names: the producing node's output is renamed, or, where the
  // value is an input, a constant or an earlier output, an Identity copies it
  const fromNodes = new Set(b.nodes.flatMap((n) => n.outputs));
  const taken = new Set<string>();
  const outputs = g.outputs.map((o, k) => {
    const name = `out${k}`;
    const value = names.get(o)!;
    if (fromNodes.has(value) && !taken.has(value)) {
      for (const n of b.nodes) {
        n.inputs = n.inputs.map((i) => (i === value ? name : i));
        n.outputs = n.outputs.map((i) => (i === value ? name : i));
      }
      for (const [v, nm] of names) if (nm === value) names.set(v, name);
      taken.add(name);
    } else {
      b.nodes.push({ opType: "Identity", inputs: [names.get(o)!], outputs: [name], attrs: {}, intAttrs: new Set() });
    }
    return name;
  });
  return { builder: b, names, outputs };
}

function bytesOf(data: TypedArray | BigInt64Array): Uint8Array<ArrayBuffer> {
  const copy = new Uint8Array(data.byteLength);
  copy.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return copy;
}

function tensorProto(c: OnnxConstant): TensorProto {
  return create(TensorProtoSchema, {
    name: c.name,
    dims: c.shape.map(BigInt),
    dataType: c.dtype === "int64" ? INT64 : ONNX_DTYPE[c.dtype],
    rawData: bytesOf(c.data),
  });
}

function attribute(name: string, v: AttrValue, isInt: boolean): AttributeProto {
  if (typeof v === "string") return create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.STRING, s: new TextEncoder().encode(v) });
  if (typeof v === "number") {
    return isInt ? create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.INT, i: BigInt(v) }) : create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.FLOAT, f: v });
  }
  if (Array.isArray(v)) {
    return isInt ? create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.INTS, ints: v.map(BigInt) }) : create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.FLOATS, floats: v });
  }
  return create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.TENSOR, t: tensorProto((v as { tensor: OnnxConstant }).tensor) });
}

function valueInfo(name: string, dtype: DType, shape: number[]): ValueInfoProto {
  return create(ValueInfoProtoSchema, {
    name,
    type: create(TypeProtoSchema, {
      value: {
        case: "tensorType",
        value: create(TypeProto_TensorSchema, {
          elemType: ONNX_DTYPE[dtype],
          shape: create(TensorShapeProtoSchema, { dim: shape.map((d) => create(TensorShapeProto_DimensionSchema, { value: { case: "dimValue", value: BigInt(d) } })) }),
        }),
      },
    }),
  });
}

/** Serialize an IR graph as an ONNX model. */
export function emitOnnx(g: IRGraph, graphName = "eikon", opts: LowerOptions = {}): LoweredModel {
  const { builder, outputs } = lowerGraph(g, new OnnxBuilder(), opts);
  const nodes: NodeProto[] = builder.nodes.map((n, k) =>
    create(NodeProtoSchema, {
      name: `n${k}_${n.opType}`,
      opType: n.opType,
      ...(n.domain ? { domain: n.domain } : {}),
      input: n.inputs,
      output: n.outputs,
      attribute: Object.entries(n.attrs).map(([name, v]) => attribute(name, v, n.intAttrs.has(name))),
    }),
  );
  const graph = create(GraphProtoSchema, {
    name: graphName,
    node: nodes,
    initializer: builder.constants.map(tensorProto),
    input: g.inputs.map((i) => valueInfo(i.name, i.dtype, i.shape)),
    output: g.outputs.map((o, k) => valueInfo(outputs[k], o.dtype, o.shape)),
  });
  const model = create(ModelProtoSchema, {
    irVersion: IR_VERSION,
    producerName: "eikon",
    opsetImport: [
      create(OperatorSetIdProtoSchema, { domain: "", version: BigInt(OPSET) }),
      ...(builder.nodes.some((n) => n.domain === NCHWC_DOMAIN) ? [create(OperatorSetIdProtoSchema, { domain: NCHWC_DOMAIN, version: 1n })] : []),
    ],
    graph,
  });
  return { bytes: toBinary(ModelProtoSchema, model), inputNames: g.inputs.map((i) => i.name), outputNames: outputs };
}
