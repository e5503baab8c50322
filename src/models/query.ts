// Running a model's queries (sample, decode, encode, logProb, elbo, energy, reconstruct) compiled,
// in evaluation mode, with host-drawn noise: the one path the trainer's sample grids, `eikon sample`,
// `eikon eval` and the exporter share.
import { compile, mapTree, Tensor, type Compiled, type Backend, type Rng } from "../engine/index.js";
import { Context, type Noise, type NoiseCount } from "../nn/index.js";
import type { GenerativeModel, Query, QueryName, SampleOptions } from "./model.js";

/** A tree with every tensor replaced by a symbolic one of the same type (for measuring, not running). */
export function symbolic<T>(tree: T): T {
  return mapTree(tree, (t) => new Tensor(t.shape, t.dtype, null));
}

export class QueryError extends Error {
  override name = "QueryError";
}

/** The named query, or an error saying which queries this family answers. */
export function getQuery(model: GenerativeModel, name: QueryName): Query {
  const q = model.queries[name];
  if (!q) {
    const have = Object.keys(model.queries);
    throw new QueryError(`model '${model.family}' has no '${name}' query; it answers: ${have.length ? have.join(", ") : "(none)"}`);
  }
  return q;
}

export interface QueryCall {
  /** Examples in this call (the batch of x, or how many to draw). */
  n: number;
  /** Data for the queries that take it (encode, logProb, elbo, reconstruct, energy). */
  x?: Tensor;
  /** Extra inputs (e.g. z for decode), merged over what query.inputs() builds. */
  inputs?: Record<string, Tensor>;
  rng: Rng;
  temperature?: number;
  labels?: Int32Array;
}

type Fn = (players: unknown, inputs: Record<string, Tensor>, noise: Noise) => Tensor;

/** Compiles a model's queries once per signature; the parameters are arguments, so training can keep using it. */
export class QueryRunner {
  private readonly compiled = new Map<QueryName, Compiled<Parameters<Fn>, Tensor>>();
  private readonly noiseNeeds = new Map<string, NoiseCount>();

  constructor(
    readonly model: GenerativeModel,
    readonly backend?: Backend,
  ) {}

  /** The host inputs of one call: query.inputs(n) (noise drawn from rng), then x and explicit inputs. */
  buildInputs(name: QueryName, call: QueryCall): Record<string, Tensor> {
    const q = getQuery(this.model, name);
    const opts: SampleOptions = { rng: call.rng, temperature: call.temperature, labels: call.labels };
    // decode maps codes to data as sample maps prior draws: without given codes, decode prior draws.
    const codes = name === "decode" && !call.inputs && this.model.queries.sample?.inputs ? this.model.queries.sample.inputs(call.n, opts) : {};
    const inputs: Record<string, Tensor> = { ...codes, ...(q.inputs?.(call.n, opts) ?? {}) };
    if (call.x) inputs.x = call.x;
    Object.assign(inputs, call.inputs ?? {});
    return inputs;
  }

  /** How much context noise the query needs for inputs of these shapes (measured on a symbolic trace). */
  noiseNeeded(name: QueryName, players: unknown, inputs: Record<string, Tensor>): NoiseCount {
    const key = `${name}|${Object.entries(inputs).map(([k, t]) => `${k}:${t.dtype}[${t.shape.join(",")}]`).join(";")}`;
    let need = this.noiseNeeds.get(key);
    if (!need) {
      const ctx = Context.measure({ train: false });
      getQuery(this.model, name).run(symbolic(players) as never, symbolic(inputs), ctx);
      need = ctx.used;
      this.noiseNeeds.set(key, need);
    }
    return need;
  }

  /** Runs the query on the model's current players. */
  async run(name: QueryName, call: QueryCall, players: unknown = this.model.players): Promise<Tensor> {
    const inputs = this.buildInputs(name, call);
    const noise = Context.sampleNoise(call.rng, this.noiseNeeded(name, players, inputs));
    let fn = this.compiled.get(name);
    if (!fn) {
      const q = getQuery(this.model, name);
      const body: Fn = (p, i, nz) => q.run(p as never, i, Context.eval(nz));
      fn = compile(body, { name: `${this.model.family}.${name}`, backend: this.backend });
      this.compiled.set(name, fn);
    }
    const out = await fn(players, inputs, noise);
    if (!(out instanceof Tensor)) throw new QueryError(`query '${name}' of model '${this.model.family}' must return one tensor`);
    return out;
  }

  async dispose(): Promise<void> {
    await Promise.all([...this.compiled.values()].map((c) => c.dispose()));
    this.compiled.clear();
  }
}
