import { describe, expect, it, vi } from "vitest";
import { isLeaseReleasedError } from "../../src/errors/LeaseReleasedError.js";
import { isPoolClosedError, PoolClosedError } from "../../src/errors/PoolClosedError.js";
import { gaugesOf, poolHarness, settle, sleep } from "./harness.js";

describe("shutdown", () => {
  it("rejects waiting acquires with PoolClosedError and refuses new ones", async () => {
    const h = poolHarness({ pool: { minConnections: 1, maxConnections: 1 } });
    await h.pool.start();
    const held = await h.pool.acquire();
    const waiters = [h.pool.acquire(), h.pool.acquire()].map((p) => p.catch((e: Error) => e));
    await settle();
    const done = h.pool.shutdown({ timeoutMs: 1_000 });
    const errors = await Promise.all(waiters);
    expect(errors.every(isPoolClosedError)).toBe(true);
    expect((errors[0] as Error).message).toBe(
      "the pool is shutting down and hands out no more connections; acquire before calling shutdown()",
    );
    await expect(h.pool.acquire()).rejects.toBeInstanceOf(PoolClosedError);
    expect(h.pool.state).toBe("draining");
    await held.release();
    const report = await done;
    expect(report.abandoned).toEqual([]);
    expect(h.pool.state).toBe("closed");
    await expect(h.pool.acquire()).rejects.toThrow("the pool is shut down; create a new ConnectionManager");
    expect(h.of("acquire.failed").map((e) => [e.reason, e.queued])).toEqual([
      ["closed", true],
      ["closed", true],
      ["closed", false],
      ["closed", false],
    ]);
  });

  it("waits for leased work to finish before closing, then closes every connection", async () => {
    const h = poolHarness({ pool: { minConnections: 3, maxConnections: 3 } });
    await h.pool.start();
    const lease = await h.pool.acquire();
    let finished = false;
    const done = h.pool.shutdown({ timeoutMs: 2_000 }).then((r) => {
      finished = true;
      return r;
    });
    await sleep(30);
    expect(finished).toBe(false);
    expect(() => lease.db).not.toThrow(); // the borrower can still work while draining
    await lease.release();
    const report = await done;
    expect(report.abandoned).toEqual([]);
    expect(report.closed).toBe(3);
    expect(h.connector.live()).toEqual([]);
    expect(h.connector.disposed).toBe(1);
    expect(h.of("pool.shutdown")).toMatchObject([
      { phase: "draining", abandoned: 0 },
      { phase: "closed", abandoned: 0 },
    ]);
    expect(h.of("connection.retiring").every((e) => e.reason === "shutdown")).toBe(true);
  });

  it("takes back leases still held at the drain timeout and reports them as abandoned", async () => {
    const h = poolHarness({
      pool: { minConnections: 2, maxConnections: 2, leakDetectionThresholdMs: 60_000 },
    });
    await h.pool.start();
    const kept = await h.pool.acquire();
    const returned = await h.pool.acquire();
    const started = performance.now();
    const done = h.pool.shutdown({ timeoutMs: 40 });
    await returned.release();
    const report = await done;
    // The drain waits until the close reserve (the last quarter of timeoutMs), and the whole shutdown
    // ends by the deadline.
    const tookMs = performance.now() - started;
    expect(tookMs).toBeGreaterThanOrEqual(28);
    expect(tookMs).toBeLessThan(40 + 250);
    expect(report.abandoned).toHaveLength(1);
    expect(report.abandoned[0]).toMatchObject({ connectionId: kept.connectionId, endpoint: "fake://db" });
    // Held at least through the drain (3/4 of 40 ms; a timer may fire a millisecond early).
    expect(report.abandoned[0]!.heldMs).toBeGreaterThanOrEqual(28);
    expect(report.abandoned[0]!.acquiredAt).toBe(kept.acquiredStack);
    expect(h.of("pool.shutdown").at(-1)).toMatchObject({ phase: "closed", abandoned: 1 });
    expect(h.of("lease.released").at(-1)).toMatchObject({
      connectionId: kept.connectionId,
      revoked: "shutdown",
    });
    let thrown: unknown;
    try {
      void kept.db;
    } catch (error) {
      thrown = error;
    }
    expect(isLeaseReleasedError(thrown)).toBe(true);
    expect((thrown as Error).message).toBe(
      `connection ${kept.connectionId} was taken back by shutdown() after its drain timeout; finish work before shutting down or raise timeoutMs`,
    );
    await kept.release(); // harmless afterwards
    expect(h.connector.live()).toEqual([]);
    expect(h.pool.leased).toBe(0);
    // The fold over the events agrees that nothing is in use any more.
    expect(gaugesOf(h).metrics).toEqual(gaugesOf(h).pool);
    expect(h.metrics.snapshot()).toEqual(h.folded());
  });

  it("is idempotent: every call returns the same report", async () => {
    const h = poolHarness({ pool: { minConnections: 1, maxConnections: 1 } });
    await h.pool.start();
    const a = h.pool.shutdown({ timeoutMs: 100 });
    const b = h.pool.shutdown({ timeoutMs: 5 });
    expect(b).toBe(a);
    const report = await a;
    expect(await h.pool.shutdown()).toBe(report);
    expect(h.of("pool.shutdown")).toHaveLength(2);
    expect(h.connector.disposed).toBe(1);
  });

  it("closes connections still connecting and ends with every gauge at zero", async () => {
    const h = poolHarness({ pool: { minConnections: 2, maxConnections: 2, warmConnections: false } });
    h.connector.outcome.open = "hang";
    await h.pool.start();
    expect(h.pool.pending).toBe(2);
    const report = await h.pool.shutdown({ timeoutMs: 100 });
    expect(report.abandoned).toEqual([]);
    expect(h.pool.pending).toBe(0);
    expect(h.of("connection.closed").map((e) => e.wasOpen)).toEqual([false, false]);
    const m = h.metrics.snapshot();
    expect([m.size, m.pending, m.inUse, m.idle, m.waiting, m.checking, m.retiring]).toEqual([
      0, 0, 0, 0, 0, 0, 0,
    ]);
  });

  it("waits for an in-flight reset, then closes that connection too", async () => {
    const h = poolHarness({ pool: { minConnections: 1, maxConnections: 1 } });
    h.connector.resetLatencyMs = 30;
    await h.pool.start();
    const lease = await h.pool.acquire();
    await lease.db.set("v", 1);
    const releasing = lease.release();
    const report = await h.pool.shutdown({ timeoutMs: 1_000 });
    await releasing;
    expect(report.abandoned).toEqual([]);
    expect(h.connector.live()).toEqual([]);
    expect(h.metrics.snapshot()).toMatchObject({ size: 0, checking: 0, retiring: 0 });
  });

  it("closes each connection once when shutdown lands in the middle of a health check", async () => {
    const answer = new Map<number, () => void>();
    const h = poolHarness({
      pool: { minConnections: 2, maxConnections: 2 },
      connector: {
        gate: (effect, id) =>
          effect === "ping" ? new Promise<void>((resolve) => answer.set(id, resolve)) : Promise.resolve(),
      },
    });
    await h.pool.start();
    const warn = vi.spyOn(console, "warn");
    try {
      const check = h.pool.healthCheck();
      await settle();
      answer.get(1)!(); // the first ping answers; its connection waits for the rest of the batch
      await settle();
      const done = h.pool.shutdown({ timeoutMs: 1_000 });
      await settle();
      answer.get(2)!();
      expect(await check).toEqual({ passed: 2, failed: 0 });
      const report = await done;
      expect(report.abandoned).toEqual([]);
      expect(h.connector.connections.map((c) => c.closes)).toEqual([1, 1]);
      expect(h.of("connection.retiring")).toHaveLength(2);
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });
});
