import { describe, expect, it } from "vitest";
import { isPoolSaturatedError, PoolSaturatedError } from "../../src/errors/PoolSaturatedError.js";
import { poolHarness, settle } from "./harness.js";

describe("maxWaitingClients", () => {
  it("rejects the acquire beyond the limit with PoolSaturatedError and keeps the queued ones", async () => {
    const h = poolHarness({ pool: { maxConnections: 1, maxWaitingClients: 2 } });
    await h.pool.start();
    const held = await h.pool.acquire();
    const queued = [h.pool.acquire(), h.pool.acquire()];
    await settle();
    const error = await h.pool.acquire().catch((e: Error) => e);
    expect(isPoolSaturatedError(error)).toBe(true);
    expect((error as PoolSaturatedError).waiting).toBe(2);
    expect((error as Error).message).toBe(
      "the pool is saturated: 2 callers already wait (pool.maxWaitingClients is 2); back off and retry later, or raise pool.maxConnections / pool.maxWaitingClients",
    );
    expect(h.of("acquire.failed")).toMatchObject([{ reason: "saturated", queued: false }]);
    expect(h.metrics.snapshot().acquireRejections).toBe(1);
    expect(h.pool.waiting).toBe(2);
    await held.release();
    const a = await queued[0]!;
    await a.release();
    await (await queued[1]!).release();
    await h.pool.shutdown();
  });

  it("with maxWaitingClients 0 never queues: a full pool rejects at once", async () => {
    const h = poolHarness({ pool: { minConnections: 1, maxConnections: 1, maxWaitingClients: 0 } });
    await h.pool.start();
    const held = await h.pool.acquire();
    await expect(h.pool.acquire()).rejects.toBeInstanceOf(PoolSaturatedError);
    await held.release();
    await h.pool.shutdown();
  });
});
