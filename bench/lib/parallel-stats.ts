// Stats of compiled functions that run at once (shards in worker sessions): one call per round,
// and the session time of a round is the longest of its members', so that the runner's host time
// (wall − session time) does not count the wait for the slower shard.
import type { Compiled, CompiledStats } from "../../src/engine/index.js";

export interface ParallelRun {
  members: Compiled<any, any>[];
  stats: CompiledStats;
  /** Run every member at once with its own arguments; record the round. */
  run<R>(args: unknown[][]): Promise<R[]>;
}

export function parallelRun(members: Compiled<any, any>[]): ParallelRun {
  const stats: CompiledStats = {
    calls: 0,
    runMs: 0,
    totalMs: 0,
    get compiles() {
      return members.reduce((n, c) => n + c.stats.compiles, 0);
    },
    get compileMs() {
      return members.reduce((n, c) => n + c.stats.compileMs, 0);
    },
  };
  return {
    members,
    stats,
    async run<R>(args: unknown[][]): Promise<R[]> {
      const before = members.map((c) => c.stats.runMs);
      const t0 = performance.now();
      const rs = (await Promise.all(members.map((c, i) => (c as (...a: unknown[]) => Promise<unknown>)(...args[i])))) as R[];
      stats.calls++;
      stats.totalMs += performance.now() - t0;
      stats.runMs += Math.max(...members.map((c, i) => c.stats.runMs - before[i]));
      return rs;
    },
  };
}
