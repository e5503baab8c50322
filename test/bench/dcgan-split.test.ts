// The bench's dcgan-mnist split schedule (D's work in worker shards, G's batch-norm parts on the
// main thread, host Adam) is the same training step as the one-session step it is timed against:
// the same losses step after step from the same seed, and the same weights after them.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create } from "../../bench/archs/dcgan-mnist.js";
import { nativeBackend } from "../../src/engine/index.js";

describe("bench dcgan-mnist: split schedule", () => {
  it("gives the one-session step's losses, step for step", async () => {
    const fused = create({ seed: 3, backend: nativeBackend({ threads: 1 }) });
    const split = create({ seed: 3, shards: 2 });
    try {
      const a: number[] = [];
      const b: number[] = [];
      for (let i = 0; i < 4; i++) {
        a.push(await fused.step());
        b.push(await split.step());
      }
      for (let i = 0; i < a.length; i++) {
        assert.ok(Number.isFinite(a[i]) && a[i] > 0, `step ${i}: loss ${a[i]}`);
        // float32 sums in another order (shards, host Adam) differ in the last digits only
        assert.ok(Math.abs(a[i] - b[i]) < 1e-4 * Math.abs(a[i]), `step ${i}: one session ${a[i]}, split ${b[i]}`);
      }
      // the losses move: the players are being trained, not replayed
      assert.ok(new Set(a.map((x) => x.toFixed(4))).size > 1, `losses did not change: ${a}`);
    } finally {
      await Promise.all([fused.dispose(), split.dispose()]);
    }
  });
});
