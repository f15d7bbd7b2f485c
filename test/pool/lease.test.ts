import { describe, expect, it } from "vitest";
import { isLeaseReleasedError, LeaseReleasedError } from "../../src/errors/LeaseReleasedError.js";
import { connectionOf } from "../../src/surreal/lease/PooledLease.js";
import { poolHarness, until } from "./harness.js";

describe("leases", () => {
  it("treats a second release as a no-op: one release event, the connection idle once", async () => {
    const h = poolHarness({ pool: { minConnections: 1, maxConnections: 2 } });
    await h.pool.start();
    const lease = await h.pool.acquire();
    const first = lease.release();
    const second = lease.release();
    expect(second).toBe(first);
    await first;
    await lease.release();
    await lease[Symbol.asyncDispose]();
    expect(h.of("lease.released")).toHaveLength(1);
    expect(h.pool.leased).toBe(0);
    expect(h.pool.idle).toBe(1);
    // Two acquires get two different connections: the first was not put back twice.
    const [a, b] = await Promise.all([h.pool.acquire(), h.pool.acquire()]);
    expect(a!.connectionId).not.toBe(b!.connectionId);
    await Promise.all([a!.release(), b!.release()]);
    await h.pool.shutdown();
  });

  it("does not disturb the next borrower when a stale lease is released again", async () => {
    const h = poolHarness({ pool: { minConnections: 1, maxConnections: 1 } });
    await h.pool.start();
    const stale = await h.pool.acquire();
    await stale.release();
    const current = await h.pool.acquire();
    expect(current.connectionId).toBe(stale.connectionId);
    await stale.release();
    await stale.discard();
    expect(h.pool.leased).toBe(1);
    expect(() => current.db).not.toThrow();
    expect(connectionOf(current).state).toBe("ready");
    await current.release();
    await h.pool.shutdown();
  });

  it("throws LeaseReleasedError from lease.db after release", async () => {
    const h = poolHarness({ pool: { minConnections: 1, maxConnections: 1 } });
    await h.pool.start();
    const lease = await h.pool.acquire();
    const db = lease.db;
    // A revocable handle over the connection's own session: reads go through while the lease is held.
    expect(db).not.toBe(h.connector.connections[0]!.db);
    expect(db.namespace).toBe(h.connector.connections[0]!.db.namespace);
    await lease.release();
    expect(lease.released).toBe(true);
    let thrown: unknown;
    try {
      void lease.db;
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(LeaseReleasedError);
    expect(isLeaseReleasedError(thrown)).toBe(true);
    expect((thrown as Error).message).toBe(
      `this lease of connection ${lease.connectionId} was already released; acquire a new one instead of keeping lease.db (or anything from it) after release`,
    );
    await h.pool.shutdown();
  });

  it("works with await using: the connection is back when the block ends", async () => {
    const h = poolHarness({ pool: { minConnections: 1, maxConnections: 1 } });
    await h.pool.start();
    {
      await using lease = await h.pool.acquire();
      expect(h.pool.leased).toBe(1);
      await lease.db.query("RETURN 1");
    }
    expect(h.pool.leased).toBe(0);
    expect(h.pool.idle).toBe(1);
    await h.pool.shutdown();
  });

  it("discard() retires the connection instead of returning it", async () => {
    const h = poolHarness({ pool: { minConnections: 1, maxConnections: 1 } });
    await h.pool.start();
    const lease = await h.pool.acquire();
    await lease.discard();
    expect(h.of("connection.retiring")).toMatchObject([
      { connectionId: lease.connectionId, reason: "broken" },
    ]);
    await until(() => h.pool.idle === 1, "a replacement up to minConnections");
    await h.pool.shutdown();
  });
});

describe("leak detection", () => {
  function acquireAndForget(pool: ReturnType<typeof poolHarness>["pool"]) {
    return pool.acquire();
  }

  it("emits lease.leaked once, with the acquire stack, for a lease held past the threshold", async () => {
    const h = poolHarness({
      pool: { minConnections: 1, maxConnections: 1, leakDetectionThresholdMs: 20 },
      extra: { housekeepingIntervalMs: 5 },
    });
    await h.pool.start();
    const lease = await acquireAndForget(h.pool);
    await until(() => h.of("lease.leaked").length > 0, "a leak report");
    await new Promise((resolve) => setTimeout(resolve, 40));
    const leaks = h.of("lease.leaked");
    expect(leaks).toHaveLength(1);
    expect(leaks[0]).toMatchObject({ connectionId: lease.connectionId, endpoint: "fake://db" });
    expect(leaks[0]!.heldMs).toBeGreaterThan(20);
    expect(leaks[0]!.acquiredAt).toContain("acquireAndForget");
    expect(lease.acquiredStack).toBe(leaks[0]!.acquiredAt);
    expect(h.metrics.snapshot().leaksDetected).toBe(1);
    await lease.release();
    await h.pool.shutdown();
  });

  it("captures no stack and reports nothing when leak detection is off", async () => {
    const h = poolHarness({
      pool: { minConnections: 1, maxConnections: 1 },
      extra: { housekeepingIntervalMs: 5 },
    });
    await h.pool.start();
    const lease = await h.pool.acquire();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(lease.acquiredStack).toBeUndefined();
    expect(h.of("lease.leaked")).toHaveLength(0);
    await lease.release();
    await h.pool.shutdown();
  });
});
