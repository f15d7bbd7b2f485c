import { afterEach, describe, expect, it } from "vitest";
import type { ConnectionManager } from "../../src/index.js";
import { createManager, record } from "./helpers.js";

let manager: ConnectionManager | undefined;
afterEach(async () => {
  await manager?.shutdown({ timeoutMs: 1_000 });
  manager = undefined;
});

describe("many tasks, few connections", () => {
  it("runs 100 concurrent tasks on a pool of 5: all complete, none leaks, size never above 5", async () => {
    manager = await createManager({ minConnections: 1, maxConnections: 5 });
    const m = manager;
    // The engine defines a table on its first write; a hundred first writes at once conflict on that
    // definition ("Write conflict, retry the transaction"), which is the engine's, not the pool's, so
    // the table exists before the tasks race.
    await m.query("DEFINE TABLE task SCHEMALESS");
    const events = record(m);
    let peak = 0;
    const sub = m.events$.subscribe(() => {
      const h = m.healthStatus();
      peak = Math.max(peak, h.poolSize + h.pending);
    });
    const results = await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        const lease = await m.acquire();
        try {
          await lease.db.query("CREATE task SET n = $n", { n: i });
          return i;
        } finally {
          await lease.release();
        }
      }),
    );
    sub.unsubscribe();
    expect(results).toHaveLength(100);
    const [rows] = (await m.executeWithRetry((db) =>
      db.query("SELECT count() AS c FROM task GROUP ALL"),
    )) as [{ c: number }[]];
    expect(rows).toEqual([{ c: 100 }]);
    const health = m.healthStatus();
    expect(health.inUse).toBe(0);
    expect(health.waiting).toBe(0);
    expect(health.poolSize).toBeLessThanOrEqual(5);
    expect(peak).toBeLessThanOrEqual(5);
    const acquired = events.filter((e) => e.type === "lease.acquired").length;
    const released = events.filter((e) => e.type === "lease.released").length;
    expect(acquired).toBe(101);
    expect(released).toBe(101);
    expect(m.metrics().snapshot()).toMatchObject({ inUse: 0, waiting: 0, acquireTimeouts: 0 });
  });
});
