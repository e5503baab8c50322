// A backend whose sessions each run in a worker thread of their own. onnxruntime-node runs a session
// synchronously on the calling thread, so two sessions on the main thread take turns; in workers
// they run at once. That is what data-parallel steps need (trainStep's `shards`: each shard's
// graph in its own session, one op thread each): on conv nets ONNX Runtime's own op threads
// scale poorly (pixelcnn: 1 → 2 threads 1.23×), two one-thread sessions side by side ~1.9×.
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import type { DType, TypedArray } from "./dtype.js";
import { nativeNchwcBlockSize, nativeSessionOptions, type Backend, type HostArray, type Session } from "./runtime.js";

export interface WorkerOptions {
  /** Op threads inside each session (default 1: the workers are the parallelism). */
  threads?: number;
}

// The worker: plain CommonJS (evaluated, so nothing to build or resolve beside onnxruntime-node).
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const ort = require(workerData.ortPath);
let session = null;
parentPort.on("message", async (m) => {
  try {
    if (m.type === "create") {
      session = await ort.InferenceSession.create(m.model, m.options);
      parentPort.postMessage({ ok: true });
    } else if (m.type === "run") {
      const feeds = {};
      for (const k of Object.keys(m.feeds)) { const a = m.feeds[k]; feeds[k] = new ort.Tensor(a.type, a.data, a.shape); }
      const r = await session.run(feeds);
      const out = {};
      const transfer = [];
      for (const k of Object.keys(r)) {
        out[k] = { type: r[k].type, data: r[k].data, dims: r[k].dims };
        const b = r[k].data.buffer;
        if (b instanceof ArrayBuffer && !transfer.includes(b)) transfer.push(b);
      }
      try {
        parentPort.postMessage({ ok: true, out }, transfer);
      } catch {
        parentPort.postMessage({ ok: true, out });
      }
    } else if (m.type === "release") {
      if (session) await session.release();
      session = null;
      parentPort.postMessage({ ok: true });
    }
  } catch (e) {
    parentPort.postMessage({ ok: false, error: String((e && e.message) || e) });
  }
});
`;

const ORT_TYPE: Record<DType, string> = { float32: "float32", float64: "float64", int32: "int32", bool: "bool" };

interface Reply {
  ok: boolean;
  error?: string;
  out?: Record<string, { type: string; data: TypedArray; dims: readonly number[] }>;
}

/** One worker, one request at a time. */
class WorkerSession implements Session {
  private readonly worker: Worker;
  private queue: Promise<unknown> = Promise.resolve();
  private pending: ((r: Reply) => void) | null = null;
  private failed: Error | null = null;

  constructor(ortPath: string) {
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { ortPath } });
    this.worker.on("message", (r: Reply) => {
      this.worker.unref();
      const p = this.pending;
      this.pending = null;
      p?.(r);
    });
    this.worker.on("error", (e: Error) => {
      this.failed = e;
      this.pending?.({ ok: false, error: e.message });
      this.pending = null;
    });
    this.worker.unref();
  }

  private request(msg: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<Reply> {
    const next = this.queue.then(
      () =>
        new Promise<Reply>((resolve, reject) => {
          if (this.failed) return reject(new Error(`ONNX Runtime worker failed: ${this.failed.message}`));
          this.pending = (r) => (r.ok ? resolve(r) : reject(new Error(`ONNX Runtime worker: ${r.error}`)));
          this.worker.ref(); // a request in flight keeps the process alive; an idle worker does not
          this.worker.postMessage(msg, transfer);
        }),
    );
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Creates the worker's session; on failure the worker is stopped and the error passed on. */
  async create(model: Uint8Array, options: Record<string, unknown>): Promise<void> {
    try {
      await this.request({ type: "create", model, options });
    } catch (e) {
      await this.worker.terminate();
      throw e;
    }
  }

  async run(feeds: Record<string, HostArray>): Promise<Record<string, HostArray>> {
    const msg: Record<string, { type: string; data: TypedArray; shape: readonly number[] }> = {};
    const transfer: ArrayBuffer[] = [];
    for (const [name, a] of Object.entries(feeds)) {
      // a view into a larger buffer (the optimizer's arena) would be cloned whole: copy its range
      // only, and move that copy to the worker instead of cloning it again
      const whole = a.data.byteOffset === 0 && a.data.byteLength === a.data.buffer.byteLength;
      const data = whole ? a.data : (a.data.slice() as TypedArray);
      if (!whole) transfer.push(data.buffer as ArrayBuffer);
      msg[name] = { type: ORT_TYPE[a.dtype], data, shape: a.shape };
    }
    const r = await this.request({ type: "run", feeds: msg }, transfer);
    const out: Record<string, HostArray> = {};
    for (const [name, t] of Object.entries(r.out!)) {
      const dtype: DType = t.type === "float64" ? "float64" : t.type === "int32" ? "int32" : t.type === "bool" ? "bool" : "float32";
      out[name] = { data: t.data, shape: [...t.dims], dtype };
    }
    return out;
  }

  async release(): Promise<void> {
    try {
      await this.request({ type: "release" });
    } finally {
      await this.worker.terminate();
    }
  }
}

/** onnxruntime-node with every session in a worker thread of its own. */
export function workerBackend(opts: WorkerOptions = {}): Backend {
  const ortPath = createRequire(import.meta.url).resolve("onnxruntime-node");
  return {
    name: "onnxruntime-node (workers)",
    nchwcBlockSize: nativeNchwcBlockSize,
    async createSession(model) {
      const s = new WorkerSession(ortPath);
      await s.create(model, nativeSessionOptions(opts.threads ?? 1));
      return s;
    },
  };
}
