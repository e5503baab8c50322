// Modules are pytrees (equinox): parameters are Tensor fields, submodules are fields (or arrays
// and plain objects of modules), hyperparameters are number/string/boolean fields and stay
// static under flatten. A model therefore goes straight through compile() and valueAndGrad(),
// and comes back rebuilt as the same classes.
//
// Buffers (non-trainable state such as BatchNorm's running statistics) are named by the class
// in `static buffers`; `partition` splits a model into a params tree and a buffers tree (each
// with null in the other's places) and `combine` puts them back together. `namedTensors`
// gives PyTorch's state-dict names, so a PyTorch user can load_state_dict what Eikon saves.
import { Tensor, TREE_NODE, type DType } from "../engine/index.js";
import { allocate } from "../engine/dtype.js";
import { fmtShape } from "../engine/errors.js";

export abstract class Module {
  /** Field names of this class that hold buffers (not trained; updated through a Context). */
  static buffers: readonly string[] = [];
  /**
   * State-dict names of fields whose PyTorch name differs from the field name. An empty
   * string makes the field transparent: its contents are named as if they were the parent's
   * (Sequential's `layers` → `0.weight`; SpectralNorm's wrapped layer → `bias`).
   */
  static stateDictNames: Readonly<Record<string, string>> = {};
}
(Module.prototype as unknown as Record<symbol, unknown>)[TREE_NODE] = true;

/** A module with the one forward signature every layer shares. */
export interface Layer extends Module {
  forward(x: Tensor, ctx: import("./context.js").Context): Tensor;
}

type ModuleClass = typeof Module;

function classOf(m: Module): ModuleClass {
  return m.constructor as ModuleClass;
}

export function isModule(v: unknown): v is Module {
  return v instanceof Module;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== "object") return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Whether `field` of this module holds a buffer. */
export function isBufferField(m: Module, field: string): boolean {
  return classOf(m).buffers.includes(field);
}

/** PyTorch's name for one field ("" for a transparent field). */
function fieldName(m: Module, field: string): string {
  const names = classOf(m).stateDictNames;
  return Object.prototype.hasOwnProperty.call(names, field) ? names[field] : field;
}

const join = (prefix: string, name: string) => (prefix === "" ? name : name === "" ? prefix : `${prefix}.${name}`);

/** A copy of a module with some fields replaced (same class, no constructor call). */
export function withFields<M extends Module>(m: M, fields: Partial<Record<keyof M, unknown>>): M {
  return Object.assign(Object.create(Object.getPrototypeOf(m)), m, fields) as M;
}

export interface TensorInfo {
  /** PyTorch state-dict name. */
  name: string;
  /** Held in a buffer field (running statistics, spectral norm's u and v). */
  buffer: boolean;
}

/**
 * Rebuild a tree (modules, arrays, plain objects) with every tensor leaf replaced by
 * f(tensor, info); non-tensor values are kept. Module instances are rebuilt as their class.
 */
export function mapTensors<T>(tree: T, f: (t: Tensor, info: TensorInfo) => Tensor | null): T {
  const walk = (node: unknown, prefix: string, buffer: boolean): unknown => {
    if (node instanceof Tensor) return f(node, { name: prefix, buffer });
    if (Array.isArray(node)) return node.map((v, i) => walk(v, join(prefix, String(i)), buffer));
    if (node instanceof Module) {
      const out = Object.create(Object.getPrototypeOf(node)) as Record<string, unknown>;
      for (const k of Object.keys(node)) {
        out[k] = walk((node as unknown as Record<string, unknown>)[k], join(prefix, fieldName(node, k)), isBufferField(node, k));
      }
      return out;
    }
    if (isPlainObject(node)) return Object.fromEntries(Object.keys(node).map((k) => [k, walk(node[k], join(prefix, k), buffer)]));
    return node;
  };
  return walk(tree, "", false) as T;
}

interface Entry {
  name: string;
  tensor: Tensor;
  buffer: boolean;
}

/** Tensors in PyTorch's state_dict order: a module's own parameters, its own buffers, then its children. */
function entries(tree: unknown): Entry[] {
  const out: Entry[] = [];
  const collect = (node: unknown, prefix: string) => {
    if (node instanceof Tensor) out.push({ name: prefix, tensor: node, buffer: false });
    else if (Array.isArray(node)) node.forEach((v, i) => collect(v, join(prefix, String(i))));
    else if (node instanceof Module) {
      const own: Entry[] = [];
      const children: [unknown, string][] = [];
      level(node, prefix, own, children);
      out.push(...own.filter((e) => !e.buffer), ...own.filter((e) => e.buffer));
      for (const [child, name] of children) collect(child, name);
    } else if (isPlainObject(node)) for (const k of Object.keys(node)) collect(node[k], join(prefix, k));
  };
  // A module's own tensors, with transparent submodules' own tensors merged in.
  const level = (m: Module, prefix: string, own: Entry[], children: [unknown, string][]) => {
    for (const k of Object.keys(m)) {
      const v = (m as unknown as Record<string, unknown>)[k];
      const name = fieldName(m, k);
      if (v instanceof Tensor) own.push({ name: join(prefix, name), tensor: v, buffer: isBufferField(m, k) });
      else if (name === "" && v instanceof Module) level(v, prefix, own, children);
      else if (v !== null && typeof v === "object") children.push([v, join(prefix, name)]);
    }
  };
  collect(tree, "");
  return out;
}

/** Every tensor of a model under its PyTorch state-dict name, in state_dict order (buffers included). */
export function namedTensors(model: unknown): Map<string, Tensor> {
  const map = new Map<string, Tensor>();
  for (const e of entries(model)) {
    if (map.has(e.name)) throw new Error(`namedTensors: two tensors are both named '${e.name}'`);
    map.set(e.name, e.tensor);
  }
  return map;
}

/** Names of the buffers of a model (state-dict names). */
export function bufferNames(model: unknown): string[] {
  return entries(model)
    .filter((e) => e.buffer)
    .map((e) => e.name);
}

function castData(t: Tensor, dtype: DType): Tensor {
  const src = t.values();
  const data = allocate(dtype, src.length);
  for (let i = 0; i < src.length; i++) data[i] = src[i];
  return new Tensor(t.shape, dtype, data);
}

export interface LoadOptions {
  /** Reject names in the map that the model does not have (default true, as PyTorch). */
  strict?: boolean;
}

/**
 * A new model whose tensors come from `tensors` (by state-dict name). Values are converted to
 * the model's dtype; a missing name or a shape mismatch is an error naming the tensor.
 */
export function loadNamedTensors<T>(model: T, tensors: ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>, opts: LoadOptions = {}): T {
  const map: ReadonlyMap<string, Tensor> = tensors instanceof Map ? tensors : new Map(Object.entries(tensors));
  const used = new Set<string>();
  const missing: string[] = [];
  const out = mapTensors(model, (t, { name }) => {
    const src = map.get(name);
    if (!src) {
      missing.push(name);
      return t;
    }
    used.add(name);
    if (src.shape.length !== t.shape.length || src.shape.some((d, i) => d !== t.shape[i])) {
      throw new Error(`loadNamedTensors: '${name}' has shape ${fmtShape(t.shape)} in the model but ${fmtShape(src.shape)} in the loaded tensors`);
    }
    return castData(src, t.dtype);
  });
  if (missing.length) throw new Error(`loadNamedTensors: missing tensor${missing.length > 1 ? "s" : ""} ${missing.map((n) => `'${n}'`).join(", ")}`);
  const unexpected = [...map.keys()].filter((k) => !used.has(k));
  if ((opts.strict ?? true) && unexpected.length) {
    throw new Error(`loadNamedTensors: unexpected tensor${unexpected.length > 1 ? "s" : ""} ${unexpected.map((n) => `'${n}'`).join(", ")} (the model has no such names; pass { strict: false } to ignore them)`);
  }
  return out;
}

/**
 * Split a model into the tensors to train and the rest. By default the rest is the buffers;
 * `isParam(info, tensor)` chooses otherwise (e.g. to freeze layers). Both trees keep the
 * model's structure, with null where the other tree holds the tensor.
 */
export function partition<T>(model: T, isParam: (info: TensorInfo, t: Tensor) => boolean = (info) => !info.buffer): { params: T; buffers: T } {
  return {
    params: mapTensors(model, (t, info) => (isParam(info, t) ? t : null)),
    buffers: mapTensors(model, (t, info) => (isParam(info, t) ? null : t)),
  };
}

/** The inverse of partition: take each tensor from whichever tree has it. */
export function combine<T>(params: T, buffers: T): T {
  const walk = (a: unknown, b: unknown, path: string): unknown => {
    if (a instanceof Tensor) {
      if (b instanceof Tensor) throw new Error(`combine: both trees hold a tensor at '${path}'`);
      return a;
    }
    if (b instanceof Tensor) {
      if (a !== null && a !== undefined) throw new Error(`combine: the trees differ at '${path}'`);
      return b;
    }
    if (Array.isArray(a)) {
      if (!Array.isArray(b) || a.length !== b.length) throw new Error(`combine: the trees differ at '${path}'`);
      return a.map((v, i) => walk(v, b[i], join(path, String(i))));
    }
    if (a instanceof Module || isPlainObject(a)) {
      if (b === null || typeof b !== "object" || Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) throw new Error(`combine: the trees differ at '${path}'`);
      const out = Object.create(Object.getPrototypeOf(a)) as Record<string, unknown>;
      for (const k of Object.keys(a)) out[k] = walk((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], join(path, k));
      return out;
    }
    return a ?? b;
  };
  return walk(params, buffers, "") as T;
}

/** A copy of a model with every float tensor converted to `dtype` (e.g. float64 for checks). */
export function toDtype<T>(model: T, dtype: DType): T {
  return mapTensors(model, (t) => (t.dtype === dtype || (t.dtype !== "float32" && t.dtype !== "float64") ? t : castData(t, dtype)));
}

/** Number of elements over all parameters (buffers excluded). */
export function parameterCount(model: unknown): number {
  return entries(model)
    .filter((e) => !e.buffer)
    .reduce((n, e) => n + e.tensor.size, 0);
}
