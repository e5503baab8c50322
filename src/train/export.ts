// Standalone ONNX export: one of a model's queries traced with the trained parameters captured as
// constants, so they become initializers (ORT's fastest layout for weights), and named inputs and
// outputs. The exported file needs nothing from Eikon to run.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { ModelProtoSchema, StringStringEntryProtoSchema } from "onnx-buf";
import { compile, emitOnnx, Rng, Tensor, type DType } from "../engine/index.js";
import { Context, type Noise } from "../nn/index.js";
import type { GenerativeModel, QueryName } from "../models/index.js";
import { getQuery, QueryError, QueryRunner } from "../models/index.js";

/** What `--part` names, and the queries that answer it (first one the model has wins). */
export const EXPORT_PARTS = {
  decoder: ["decode"],
  generator: ["sample"],
  density: ["logProb", "elbo", "energy"],
  encoder: ["encode"],
} as const satisfies Record<string, readonly QueryName[]>;

export type ExportPart = keyof typeof EXPORT_PARTS;

/** Queries whose input is data (given as `x`), rather than noise or codes the query draws itself. */
export const DATA_QUERIES: ReadonlySet<QueryName> = new Set<QueryName>(["encode", "logProb", "elbo", "energy", "reconstruct"]);

const OUTPUT_NAMES: Record<QueryName, string> = {
  sample: "samples",
  decode: "x",
  encode: "z",
  logProb: "log_prob",
  elbo: "elbo",
  energy: "energy",
  reconstruct: "reconstruction",
};

export interface ExportOptions {
  /** Which part to export (default: decoder when the model has one, else generator). */
  part?: ExportPart;
  /** The batch size baked into the graph's shapes (default 1). */
  batch?: number;
  /** Seeds the example inputs. */
  seed?: number;
}

export interface IoInfo {
  name: string;
  shape: number[];
  dtype: DType;
}

export interface ExportedModel {
  bytes: Uint8Array;
  part: ExportPart;
  query: QueryName;
  inputs: IoInfo[];
  outputs: IoInfo[];
  /** Inputs of the right shapes by ONNX input name (drawn from the seed), for checks. */
  exampleFeeds: Record<string, Tensor>;
  /** What Eikon's own compiled query returns for exampleFeeds. */
  run: () => Promise<Tensor>;
}

/** The query a part resolves to for this model, or an error listing the parts it has. */
export function resolvePart(model: GenerativeModel, part?: ExportPart): { part: ExportPart; query: QueryName } {
  const has = (p: ExportPart) => EXPORT_PARTS[p].find((q) => model.queries[q]);
  if (part === undefined) {
    for (const p of ["decoder", "generator"] as const) {
      const q = has(p);
      if (q) return { part: p, query: q };
    }
    part = (Object.keys(EXPORT_PARTS) as ExportPart[]).find((p) => has(p));
    if (!part) throw new QueryError(`model '${model.family}' answers no exportable query`);
  }
  if (!Object.hasOwn(EXPORT_PARTS, part)) throw new QueryError(`unknown part '${part}'; parts: ${Object.keys(EXPORT_PARTS).join(", ")}`);
  const q = has(part);
  if (!q) {
    const avail = (Object.keys(EXPORT_PARTS) as ExportPart[]).filter((p) => has(p));
    const qs = EXPORT_PARTS[part].map((x) => `'${x}'`);
    throw new QueryError(`model '${model.family}' has no ${part} (it needs ${qs.length > 1 ? "one of the queries" : "the query"} ${qs.join(", ")}); it can export: ${avail.join(", ") || "nothing"}`);
  }
  return { part, query: q };
}

/** Exports a model's part as ONNX bytes with its weights as initializers. */
export function exportOnnx(model: GenerativeModel, opts: ExportOptions = {}): ExportedModel {
  const { part, query } = resolvePart(model, opts.part);
  const batch = opts.batch ?? 1;
  if (!(Number.isInteger(batch) && batch > 0)) throw new QueryError(`batch must be a positive integer, got ${batch}`);
  const q = getQuery(model, query);
  const runner = new QueryRunner(model);
  const rng = new Rng(opts.seed ?? 0);
  const x = DATA_QUERIES.has(query) ? new Tensor([batch, ...model.dataShape], "float32", rng.fillUniform(new Float32Array(batch * model.dataShape.reduce((a, b) => a * b, 1)))) : undefined;
  const inputs = runner.buildInputs(query, { n: batch, x, rng });
  const noise: Noise = Context.sampleNoise(rng, runner.noiseNeeded(query, model.players, inputs));
  const players = model.players;
  const traced = compile((i: Record<string, Tensor>, nz: Noise) => q.run(players as never, i, Context.eval(nz)), { name: `${model.family}.${part}` });
  const graph = traced.trace(inputs, noise);

  // Flat input order is the pytree order: the inputs object's keys, then the noise object's.
  const names = [...Object.keys(inputs), ...Object.keys(noise).map((k) => `noise_${k}`)];
  const feedsByIndex = [...Object.values(inputs), ...Object.values(noise)] as Tensor[];
  const exampleFeeds: Record<string, Tensor> = {};
  for (const inp of graph.inputs) {
    inp.name = names[inp.index];
    exampleFeeds[inp.name] = feedsByIndex[inp.index];
  }
  const emitted = emitOnnx(graph, `${model.family}_${part}`);

  // Name the output after what it is, and describe the model.
  const proto = fromBinary(ModelProtoSchema, emitted.bytes);
  const outName = OUTPUT_NAMES[query];
  const old = proto.graph!.output[0].name;
  for (const n of proto.graph!.node) n.output = n.output.map((o) => (o === old ? outName : o));
  proto.graph!.output[0].name = outName;
  proto.docString = `${model.family} ${part} (query '${query}'): ${q.describe}`;
  proto.metadataProps = [
    create(StringStringEntryProtoSchema, { key: "eikon.family", value: model.family }),
    create(StringStringEntryProtoSchema, { key: "eikon.config", value: JSON.stringify(model.config) }),
    create(StringStringEntryProtoSchema, { key: "eikon.query", value: query }),
  ];
  const out = graph.outputs[0];
  return {
    bytes: toBinary(ModelProtoSchema, proto),
    part,
    query,
    inputs: graph.inputs.map((i) => ({ name: i.name, shape: [...i.shape], dtype: i.dtype })),
    outputs: [{ name: outName, shape: [...out.shape], dtype: out.dtype }],
    exampleFeeds,
    run: async () => {
      try {
        const f = compile((i: Record<string, Tensor>, nz: Noise, p: unknown) => q.run(p as never, i, Context.eval(nz)), { name: `${model.family}.${query}` });
        const r = await f(inputs, noise, players);
        await f.dispose();
        return r;
      } finally {
        await traced.dispose();
      }
    },
  };
}
