// Pytrees: nested arrays and plain objects with Tensor leaves. Everything that is not a
// Tensor, an array or a plain object (numbers, strings, null, …) is static structure.
import { Tensor } from "./tensor.js";

/**
 * Objects whose class sets this key on its prototype are flattened like plain objects (own
 * enumerable fields) and rebuilt as instances of the same class: modules are pytrees (equinox).
 */
export const TREE_NODE: unique symbol = Symbol.for("eikon.treeNode");

export type Tree = Tensor | null | undefined | number | string | boolean | readonly Tree[] | { readonly [k: string]: Tree };

export interface Flat {
  leaves: Tensor[];
  /** A string that identifies the structure and static values (used in cache keys). */
  def: string;
  rebuild(leaves: readonly Tensor[]): any;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== "object") return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function isTreeNode(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && (v as Record<symbol, unknown>)[TREE_NODE] === true;
}

export function flatten(tree: unknown): Flat {
  const leaves: Tensor[] = [];
  const parts: string[] = [];
  const build = (node: unknown): (ls: readonly Tensor[]) => unknown => {
    if (node instanceof Tensor) {
      const i = leaves.length;
      leaves.push(node);
      parts.push("T");
      return (ls) => ls[i];
    }
    if (Array.isArray(node)) {
      parts.push(`[${node.length}`);
      const kids = node.map(build);
      parts.push("]");
      return (ls) => kids.map((k) => k(ls));
    }
    if (isPlainObject(node)) {
      const keys = Object.keys(node);
      parts.push(`{${keys.map((k) => JSON.stringify(k)).join(",")}`);
      const kids = keys.map((k) => build(node[k]));
      parts.push("}");
      return (ls) => Object.fromEntries(keys.map((k, i) => [k, kids[i](ls)]));
    }
    if (isTreeNode(node)) {
      const proto = Object.getPrototypeOf(node);
      const keys = Object.keys(node);
      parts.push(`<${proto.constructor?.name ?? "node"}{${keys.map((k) => JSON.stringify(k)).join(",")}`);
      const kids = keys.map((k) => build(node[k]));
      parts.push("}>");
      return (ls) => Object.assign(Object.create(proto), Object.fromEntries(keys.map((k, i) => [k, kids[i](ls)])));
    }
    if (node !== null && typeof node === "object") {
      throw new TypeError(`pytree: cannot flatten a ${node.constructor?.name ?? "object"}; use plain objects, arrays and Tensors`);
    }
    parts.push(`=${typeof node === "number" && Object.is(node, -0) ? "-0" : JSON.stringify(node) ?? "undefined"}`);
    return () => node;
  };
  const fn = build(tree);
  return { leaves, def: parts.join(""), rebuild: (ls) => fn(ls) };
}

export function mapTree<T>(tree: T, f: (t: Tensor, i: number) => Tensor): T {
  const { leaves, rebuild } = flatten(tree);
  return rebuild(leaves.map(f));
}

export function leavesOf(tree: unknown): Tensor[] {
  return flatten(tree).leaves;
}
