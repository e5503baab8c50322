// The trainer's host state as named tensors and back: players under `<player>.<state-dict name>`
// (nn's PyTorch names), optimizer state under `optimizer.<player>.<param name>.<slot>` for
// per-parameter slots (exp_avg, exp_avg_sq, momentum_buffer, …) and `optimizer.<player>.<slot>`
// for the rest (step). A PyTorch user strips the player prefix and calls load_state_dict.
import { flattenTree, leafNames, packTree, Tensor, unpackTree } from "../engine/index.js";
import { loadNamedTensors, namedTensors, partition } from "../nn/index.js";
import type { Optimizer } from "../optim/index.js";
import { unpackPlayers, type HostState, type PlayerLayout } from "./step.js";

const snake = (path: string) => path.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();

function perParam(t: Tensor, l: PlayerLayout): boolean {
  return t.rank === 1 && t.shape[0] === l.params.total;
}

/** Every tensor of a host state under its checkpoint name. */
export function stateToNamed(st: HostState, layouts: PlayerLayout[]): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const [name, t] of namedTensors(unpackPlayers(st, layouts))) out.set(name, t);
  for (const l of layouts) {
    const opt = st.opt[l.name];
    if (opt === undefined) continue;
    const leaves = flattenTree(opt).leaves;
    const paths = leafNames(opt);
    leaves.forEach((t, i) => {
      const slot = snake(paths[i]);
      if (perParam(t, l)) {
        for (const [pname, v] of namedTensors(unpackTree(t, l.params))) out.set(`optimizer.${l.name}.${pname}.${slot}`, v);
      } else {
        out.set(`optimizer.${l.name}.${slot}`, t);
      }
    });
  }
  return out;
}

/**
 * A host state from named tensors, shaped by the model's current players and fresh optimizer
 * states (which fix structure, shapes and dtypes). Missing or extra names are errors naming them.
 */
export function stateFromNamed(
  tensors: ReadonlyMap<string, Tensor>,
  players: Record<string, unknown>,
  layouts: PlayerLayout[],
  optimizers: Record<string, Optimizer>,
  source: string,
): HostState {
  const playerMap = new Map<string, Tensor>();
  const optMap = new Map<string, Tensor>();
  for (const [k, v] of tensors) (k.startsWith("optimizer.") ? optMap : playerMap).set(k, v);
  let loaded: Record<string, unknown>;
  try {
    loaded = loadNamedTensors(players, playerMap);
  } catch (e) {
    throw new Error(`${source}: ${(e as Error).message}`);
  }
  const st: HostState = { params: {}, buffers: {}, opt: {} };
  const used = new Set<string>();
  for (const l of layouts) {
    const parts = partition(loaded[l.name]);
    st.params[l.name] = packTree(parts.params, l.params).flat;
    if (l.buffers) st.buffers[l.name] = packTree(parts.buffers, l.buffers).flat;
    const optimizer = optimizers[l.name];
    if (!optimizer) continue;
    const template = optimizer.init(st.params[l.name]);
    const flat = flattenTree(template);
    const paths = leafNames(template);
    const leaves = flat.leaves.map((t, i) => {
      const slot = snake(paths[i]);
      if (perParam(t, l)) {
        const prefix = `optimizer.${l.name}.`;
        const suffix = `.${slot}`;
        const sub = new Map<string, Tensor>();
        for (const [k, v] of optMap) {
          if (k.startsWith(prefix) && k.endsWith(suffix)) {
            sub.set(k.slice(prefix.length, k.length - suffix.length), v);
            used.add(k);
          }
        }
        let tree: unknown;
        try {
          tree = loadNamedTensors(unpackTree(t, l.params), sub);
        } catch (e) {
          throw new Error(`${source}: optimizer state '${slot}' of player '${l.name}': ${(e as Error).message}`);
        }
        return packTree(tree, { ...l.params, dtype: t.dtype }).flat;
      }
      const key = `optimizer.${l.name}.${slot}`;
      const v = optMap.get(key);
      if (!v) throw new Error(`${source}: missing tensor '${key}' (optimizer state of player '${l.name}')`);
      if (v.size !== t.size) throw new Error(`${source}: tensor '${key}' has shape [${v.shape.join(", ")}] but the optimizer expects [${t.shape.join(", ")}]`);
      used.add(key);
      const data = t.values().slice();
      data.set(v.values());
      return new Tensor(t.shape, t.dtype, data);
    });
    st.opt[l.name] = flat.rebuild(leaves);
  }
  const extra = [...optMap.keys()].filter((k) => !used.has(k));
  if (extra.length) throw new Error(`${source}: unexpected optimizer tensor${extra.length > 1 ? "s" : ""} ${extra.slice(0, 5).map((k) => `'${k}'`).join(", ")}${extra.length > 5 ? " …" : ""}: was it saved with another optimizer?`);
  return st;
}
