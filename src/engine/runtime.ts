// Runtimes: a small interface over ONNX Runtime so the same graphs run natively
// (onnxruntime-node) or as WebAssembly (onnxruntime-web, also in Node for tests).
import { cpus } from "node:os";
import type { DType, TypedArray } from "./dtype.js";
import { nchwcProbeModel } from "./nchwc.js";

export interface HostArray {
  data: TypedArray;
  shape: readonly number[];
  dtype: DType;
}

export interface Session {
  /**
   * Runs the graph; feeds by input name, results by output name. `into` names outputs to write
   * into the given arrays instead of fresh ones where the runtime can (native sessions); their
   * results are then those arrays. Elsewhere the results are fresh arrays as usual.
   */
  run(feeds: Record<string, HostArray>, into?: Record<string, HostArray>): Promise<Record<string, HostArray>>;
  release(): Promise<void>;
}

export interface Backend {
  readonly name: string;
  createSession(model: Uint8Array): Promise<Session>;
  /**
   * Channels per block of ONNX Runtime's NCHWc layout where its blocked convolution kernels
   * exist (native CPU sessions), else 0: graphs for this backend may then use them.
   */
  nchwcBlockSize?(): Promise<number>;
}

type OrtModule = typeof import("onnxruntime-common");

const ORT_TYPE: Record<DType, "float32" | "float64" | "int32" | "bool"> = { float32: "float32", float64: "float64", int32: "int32", bool: "bool" };

function wrapSession(ort: OrtModule, session: import("onnxruntime-common").InferenceSession, preallocates: boolean): Session {
  const tensor = (a: HostArray) => new ort.Tensor(ORT_TYPE[a.dtype], a.data as never, a.shape as number[]);
  return {
    async run(feeds, into) {
      const ortFeeds: Record<string, import("onnxruntime-common").Tensor> = {};
      for (const [name, a] of Object.entries(feeds)) ortFeeds[name] = tensor(a);
      // preallocated outputs: ORT writes them in place (onnxruntime-node still hands back a copy of
      // each, which is dropped: the arrays given are the results)
      const placed = preallocates && into && Object.keys(into).length > 0;
      const fetches = placed ? Object.fromEntries(session.outputNames.map((name) => [name, into[name] ? tensor(into[name]) : null])) : undefined;
      const results = fetches ? await session.run(ortFeeds, fetches) : await session.run(ortFeeds);
      const out: Record<string, HostArray> = {};
      for (const [name, t] of Object.entries(results)) {
        if (placed && into[name]) {
          out[name] = into[name];
          continue;
        }
        const dtype: DType = t.type === "float64" ? "float64" : t.type === "int32" ? "int32" : t.type === "bool" ? "bool" : "float32";
        out[name] = { data: t.data as TypedArray, shape: [...t.dims], dtype };
      }
      return out;
    },
    release: () => session.release(),
  };
}

export interface NativeOptions {
  /** Threads inside one op (default: the machine's cores). */
  threads?: number;
}

/** Session options of every native CPU session (the main thread's and the workers'). */
export function nativeSessionOptions(threads: number): Record<string, unknown> {
  return {
    executionProviders: ["cpu"],
    graphOptimizationLevel: "all",
    executionMode: "sequential",
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    // no memory pattern: with it the second run of a session is as slow as the first (the pattern
    // recorded on run 1 is allocated on run 2: pixelcnn 1.3 s, then 0.3 s a run); steady state is the same
    enableMemPattern: false,
    // op threads spin between the ops of a run (waking a sleeping one cost ~10 µs per op: 2 threads
    // ran 100 small Muls at half the speed of 1) and stop spinning when the run ends, so they never
    // compete with the host work between runs (always-on spinning made 2 threads slower than 1;
    // bench/NOTES.md, sessions 1 and 7)
    extra: { session: { intra_op: { allow_spinning: "1" }, inter_op: { allow_spinning: "0" }, force_spinning_stop: "1" } },
  };
}

let nchwcProbe: Promise<number> | null = null;

/**
 * MLAS's NCHWc block size on this machine (16 with AVX-512, 8 with AVX2), read off the channel
 * count ReorderInput pads 4 channels to; 0 where it has no blocked kernels or EIKON_NCHWC=0.
 */
export function nativeNchwcBlockSize(): Promise<number> {
  if (process.env.EIKON_NCHWC === "0") return Promise.resolve(0);
  nchwcProbe ??= (async () => {
    try {
      const m = (await import("onnxruntime-node")) as unknown as OrtModule;
      const session = await m.InferenceSession.create(nchwcProbeModel(), { executionProviders: ["cpu"], intraOpNumThreads: 1 });
      const { y } = await session.run({ x: new m.Tensor("float32", new Float32Array(4), [1, 4, 1, 1]) });
      await session.release();
      const block = y.dims[1];
      return block > 4 && block % 4 === 0 ? block : 0;
    } catch {
      return 0;
    }
  })();
  return nchwcProbe;
}

/** onnxruntime-node: native CPU execution. */
export function nativeBackend(opts: NativeOptions = {}): Backend {
  let ort: Promise<OrtModule> | null = null;
  return {
    name: "onnxruntime-node",
    nchwcBlockSize: nativeNchwcBlockSize,
    async createSession(model) {
      ort ??= import("onnxruntime-node") as unknown as Promise<OrtModule>;
      const m = await ort;
      const session = await m.InferenceSession.create(model, nativeSessionOptions(opts.threads ?? Math.max(1, cpus().length)));
      return wrapSession(m, session, true);
    },
  };
}

/** onnxruntime-web: the WebAssembly backend the browser uses (runs in Node too). */
export function wasmBackend(opts: { threads?: number } = {}): Backend {
  let ort: Promise<OrtModule> | null = null;
  return {
    name: "onnxruntime-web",
    async createSession(model) {
      ort ??= (import("onnxruntime-web") as unknown as Promise<OrtModule>).then((m) => {
        m.env.wasm.numThreads = opts.threads ?? 1;
        return m;
      });
      const m = await ort;
      const session = await m.InferenceSession.create(model, { executionProviders: ["wasm"], graphOptimizationLevel: "all" });
      return wrapSession(m, session, false);
    },
  };
}

let defaultBackend: Backend | null = null;

export function getDefaultBackend(): Backend {
  defaultBackend ??= nativeBackend();
  return defaultBackend;
}
export function setDefaultBackend(b: Backend): void {
  defaultBackend = b;
}
