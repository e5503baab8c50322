// compile(fn): trace fn on symbolic tensors once per input signature, emit ONNX, and run
// it in an ONNX Runtime session cached for that signature.
import { dtypeOf, sizeOf, type TypedArray } from "./dtype.js";
import { Tensor } from "./tensor.js";
import { flatten } from "./tree.js";
import { buildGraph, checkGraph, printGraph, type IRGraph } from "./ir.js";
import { emitOnnx } from "./onnx.js";
import { simplifyGraph, splitInputs } from "./simplify.js";
import { getDefaultBackend, type Backend, type HostArray, type Session } from "./runtime.js";

export interface CompileOptions {
  backend?: Backend;
  /** A name for error messages and exported graphs. */
  name?: string;
}

export interface CompiledStats {
  /** Calls made. */
  calls: number;
  /** Milliseconds inside session.run (the runtime's compute). */
  runMs: number;
  /** Milliseconds of the whole call, host work (packing, unpacking, dispatch) included. */
  totalMs: number;
  /** Signatures traced and compiled, and the time spent doing so. */
  compiles: number;
  compileMs: number;
}

interface Entry {
  graph: IRGraph;
  session: Session;
  inputNames: string[];
  outputNames: string[];
  /** What each graph input is fed: a flat argument, or a view [start, end) of one. */
  feeds: { index: number; view?: [number, number] }[];
  rebuild: (leaves: readonly Tensor[]) => unknown;
  outputDtypes: Tensor["dtype"][];
}

export interface Compiled<Args extends unknown[], R> {
  (...args: Args): Promise<R>;
  /**
   * The same call, with the outputs at the given flat positions (in the order the result's
   * tensors flatten) written into the given arrays where the backend can (native sessions: no
   * copy out of the runtime's buffers); those outputs' tensors then hold these arrays.
   */
  callInto(into: ReadonlyMap<number, TypedArray>, ...args: Args): Promise<R>;
  /** Traces without running: the IR for these arguments' signature. */
  trace(...args: Args): IRGraph;
  /** The ONNX model bytes for these arguments' signature. */
  toOnnx(...args: Args): Uint8Array;
  readonly stats: CompiledStats;
  /** Release every cached session. */
  dispose(): Promise<void>;
}

function signatureOf(def: string, leaves: readonly Tensor[]): string {
  return `${def}|${leaves.map((t) => `${t.dtype}[${t.shape.join(",")}]`).join(";")}`;
}

export function compile<Args extends unknown[], R>(fn: (...args: Args) => R, opts: CompileOptions = {}): Compiled<Args, R> {
  const cache = new Map<string, Promise<Entry>>();
  const stats: CompiledStats = { calls: 0, runMs: 0, totalMs: 0, compiles: 0, compileMs: 0 };
  const label = opts.name ?? (fn.name || "function");

  const traceArgs = (args: Args) => {
    const flatIn = flatten(args);
    const placeholders = flatIn.leaves.map((t, i) => new Tensor(t.shape, t.dtype, null, null, i));
    const out = fn(...(flatIn.rebuild(placeholders) as Args));
    if (out instanceof Promise) throw new TypeError(`compile(${label}): the traced function must be synchronous`);
    const flatOut = flatten(out);
    if (flatOut.leaves.length === 0) throw new TypeError(`compile(${label}): the function returned no tensors`);
    const graph = buildGraph(flatOut.leaves, placeholders);
    checkGraph(graph);
    return { graph, flatOut };
  };

  const build = async (args: Args): Promise<Entry> => {
    const t0 = performance.now();
    const { graph: traced, flatOut } = traceArgs(args);
    const graph = splitInputs(simplifyGraph(traced));
    checkGraph(graph);
    const backend = opts.backend ?? getDefaultBackend();
    const model = emitOnnx(graph, label, { nchwcBlock: (await backend.nchwcBlockSize?.()) ?? 0 });
    let session: Session;
    try {
      session = await backend.createSession(model.bytes);
    } catch (e) {
      throw new Error(`compile(${label}): ONNX Runtime rejected the graph: ${(e as Error).message}\n${printGraph(graph).slice(0, 4000)}`);
    }
    stats.compiles++;
    stats.compileMs += performance.now() - t0;
    return {
      graph,
      session,
      inputNames: model.inputNames,
      outputNames: model.outputNames,
      feeds: graph.inputs.map((i) => ({ index: i.index, view: i.view })),
      rebuild: flatOut.rebuild,
      outputDtypes: flatOut.leaves.map((t) => t.dtype),
    };
  };

  const call = (...args: Args): Promise<R> => invoke(args, null);
  const invoke = async (args: Args, into: ReadonlyMap<number, TypedArray> | null): Promise<R> => {
    const t0 = performance.now();
    const flat = flatten(args);
    for (const t of flat.leaves) {
      if (!t.data) throw new TypeError(`compile(${label}): arguments must be concrete tensors, got a symbolic ${t.describe()}`);
    }
    const key = signatureOf(flat.def, flat.leaves);
    let entry = cache.get(key);
    if (!entry) {
      entry = build(args);
      cache.set(key, entry);
      entry.catch(() => cache.delete(key));
    }
    const e = await entry;
    const feeds: Record<string, HostArray> = {};
    e.feeds.forEach(({ index, view }, k) => {
      const t = flat.leaves[index];
      feeds[e.inputNames[k]] = view ? { data: t.data!.subarray(view[0], view[1]), shape: [view[1] - view[0]], dtype: t.dtype } : { data: t.data!, shape: t.shape, dtype: t.dtype };
    });
    const placed: Record<string, HostArray> = {};
    for (const [k, data] of into ?? []) {
      const o = e.graph.outputs[k];
      if (!o) throw new RangeError(`compile(${label}): callInto names output ${k}, but the function has ${e.graph.outputs.length}`);
      if (data.length !== sizeOf(o.shape) || dtypeOf(data) !== o.dtype) {
        throw new TypeError(`compile(${label}): output ${k} is ${o.dtype}[${o.shape.join(", ")}]; the array given for it is a ${data.constructor.name} of ${data.length}`);
      }
      placed[e.outputNames[k]] = { data, shape: o.shape, dtype: o.dtype };
    }
    const r0 = performance.now();
    const results = await e.session.run(feeds, into ? placed : undefined);
    stats.runMs += performance.now() - r0;
    const outs = e.outputNames.map((name, k) => {
      const r = results[name];
      return new Tensor(r.shape, e.outputDtypes[k], r.data);
    });
    stats.calls++;
    stats.totalMs += performance.now() - t0;
    return e.rebuild(outs) as R;
  };

  return Object.assign(call, {
    callInto: (into: ReadonlyMap<number, TypedArray>, ...args: Args) => invoke(args, into),
    trace: (...args: Args) => traceArgs(args).graph,
    toOnnx: (...args: Args) => emitOnnx(simplifyGraph(traceArgs(args).graph), label).bytes,
    stats,
    dispose: async () => {
      const entries = [...cache.values()];
      cache.clear();
      await Promise.all(entries.map(async (p) => (await p).session.release()));
    },
  });
}
