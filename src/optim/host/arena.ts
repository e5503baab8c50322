// A fixed block of WebAssembly memory holding a few equally long float32 arrays (parameters,
// optimizer moments, a gradient slot) that the fused kernels of kernels.wat update in place.
// The memory is sized once and never grows, so the typed-array views handed out (and fed to
// ONNX Runtime without a copy) stay valid for the arena's lifetime.
import type { PackSpec, Tensor } from "../../engine/index.js";
import { KERNELS_WASM_BASE64 } from "./kernels-wasm.js";

export interface Kernels {
  adam_f32(p: number, g: number, m: number, v: number, n4: number, b1: number, c1: number, b2: number, c2: number, step: number, eps: number, shrink: number, l2: number, gscale: number): void;
  sgd_f32(p: number, g: number, buf: number, n4: number, lr: number, momentum: number, hasMomentum: number, nesterov: number, l2: number, gscale: number): void;
  rmsprop_f32(p: number, g: number, s: number, ga: number, buf: number, n4: number, alpha: number, eps: number, lr: number, momentum: number, centered: number, hasMomentum: number, l2: number, gscale: number): void;
  ema_f32(e: number, p: number, n4: number, decay: number): void;
  clamp_f32(p: number, n4: number, lo: number, hi: number): void;
  sumsq_f32(g: number, n4: number): number;
}

// The few WebAssembly JS API members used here (the project compiles without the DOM typings).
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  Memory: new (descriptor: { initial: number }) => WasmMemory;
}
const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

const PAGE = 65536;
/** Arenas above this size are not made (wasm32 memories stop at 4 GiB); callers fall back to JavaScript loops. */
export const MAX_ARENA_BYTES = 2 ** 31;

let module: object | null | undefined;

/** The compiled kernels module, or null where WebAssembly SIMD is unavailable. */
function kernelsModule(): object | null {
  if (module === undefined) {
    try {
      if (!wasm) throw new Error("no WebAssembly");
      module = new wasm.Module(Uint8Array.from(atob(KERNELS_WASM_BASE64), (c) => c.charCodeAt(0)));
    } catch {
      module = null;
    }
  }
  return module;
}

/** Which arena owns a given memory buffer (to recognise arrays already inside one). */
const owners = new WeakMap<ArrayBufferLike, Arena>();

export class Arena {
  readonly kernels: Kernels;
  /** Float32 elements per array, rounded up to a multiple of 4 (the padding stays zero). */
  readonly stride: number;
  private readonly views: Float32Array[];

  private constructor(
    readonly length: number,
    readonly count: number,
    readonly memory: WasmMemory,
    kernels: Kernels,
  ) {
    this.kernels = kernels;
    this.stride = Math.ceil(length / 4) * 4;
    this.views = Array.from({ length: count }, (_, k) => new Float32Array(memory.buffer, k * this.stride * 4, length));
    owners.set(memory.buffer, this);
  }

  /** An arena of `count` float32 arrays of `length` elements, or null when WebAssembly is unavailable or it would be too large. */
  static create(length: number, count: number): Arena | null {
    const mod = kernelsModule();
    const bytes = Math.ceil(length / 4) * 16 * count;
    if (!mod || bytes > MAX_ARENA_BYTES) return null;
    const memory = new wasm!.Memory({ initial: Math.max(1, Math.ceil(bytes / PAGE)) });
    const instance = new wasm!.Instance(mod, { env: { memory } });
    return new Arena(length, count, memory, instance.exports as unknown as Kernels);
  }

  /** The arena whose memory holds this array, if any. */
  static of(data: ArrayLike<number> & { buffer: ArrayBufferLike }): Arena | null {
    return owners.get(data.buffer) ?? null;
  }

  /** Array k (a view; valid as long as the arena). */
  view(k: number): Float32Array {
    return this.views[k];
  }

  /** Byte offset of array k, for the kernels. */
  offset(k: number): number {
    return k * this.stride * 4;
  }

  /** Number of 4-float vectors per array. */
  get n4(): number {
    return this.stride / 4;
  }

  /** Whether `data` is exactly array k of this arena. */
  holds(k: number, data: Float32Array): boolean {
    return data.buffer === this.memory.buffer && data.byteOffset === this.offset(k) && data.length === this.length;
  }
}

/**
 * The arena already holding `arrays` as its arrays 0…k−1 (in place), or a new one with k + 1
 * arrays (the last one a gradient slot) that they are copied into; null where no arena can be made.
 */
export function placeInArena(arrays: readonly Float32Array[]): Arena | null {
  const a = Arena.of(arrays[0]);
  if (a && a.count === arrays.length + 1 && arrays.every((x, k) => a.holds(k, x))) return a;
  const fresh = Arena.create(arrays[0].length, arrays.length + 1);
  if (!fresh) return null;
  arrays.forEach((x, k) => fresh.view(k).set(x));
  return fresh;
}

/**
 * The gradient slot (the last array) of the arena holding `params` as its array 0, where the next
 * step's gradient can be written directly; null where params live in no arena.
 */
export function gradientSlot(params: Float32Array): Float32Array | null {
  const a = Arena.of(params);
  return a && a.count > 1 && a.holds(0, params) ? a.view(a.count - 1) : null;
}

/**
 * Where a compiled step whose first outputs are the packed gradient's pieces (in `spec`'s order)
 * can write them for the host update: output k → its span of the gradient slot, once the float32
 * parameters live in an arena (from the second step); null before, or for float64. trainStep and
 * the trainer pass this to `compiled.callInto`, so the update finds the gradient in place.
 */
export function gradientPlaces(params: Tensor, spec: PackSpec): Map<number, Float32Array> | null {
  const slot = params.dtype === "float32" && params.data ? gradientSlot(params.data as Float32Array) : null;
  return slot ? new Map(spec.entries.map((e, k) => [k, slot.subarray(e.offset, e.offset + e.size)])) : null;
}
