// A lease released with a transaction still open (the borrower's own beginTransaction()): the pool
// cancels it before the connection is reused, with an event, on the embedded engine and over ws://.
// Proof that it is really gone: the SDK's own transaction object (taken from under the lease's handle)
// can no longer commit, so what it wrote never becomes visible.
import type { SurrealTransaction } from "surrealdb";
import { describe, expect, it } from "vitest";
import { ConnectionManager, type Lease, type PoolEvent } from "../../src/index.js";
import type { PooledLease } from "../../src/surreal/lease/PooledLease.js";
import { connectionOf } from "../../src/surreal/lease/PooledLease.js";
import { rawOf } from "../../src/surreal/rawOf.js";
import { useProxiedEndpoint } from "./proxiedEndpoint.js";

/** Records the raw SDK transaction every beginTransaction() on this lease's connection makes. */
function captureTransactions(lease: Lease): SurrealTransaction[] {
  const raw = rawOf(connectionOf(lease as PooledLease)).db;
  const begin = raw.beginTransaction.bind(raw);
  const captured: SurrealTransaction[] = [];
  raw.beginTransaction = async () => {
    const tx = await begin();
    captured.push(tx);
    return tx;
  };
  return captured;
}

async function abandonedIsCancelled(endpoint: string, extra: Record<string, unknown> = {}) {
  const events: PoolEvent[] = [];
  const m = await ConnectionManager.create({
    mode: { kind: "local", endpoint },
    namespace: "t",
    database: "t",
    events: (e) => events.push(e),
    pool: { minConnections: 1, maxConnections: 1, healthCheckIntervalMs: 600_000 },
    ...extra,
  });
  try {
    await m.executeWithRetry((db) => db.query("DEFINE TABLE IF NOT EXISTS note"));
    const first = await m.acquire();
    const captured = captureTransactions(first);
    const tx = await first.db.beginTransaction();
    await tx.query("CREATE note:abandoned");
    expect(first.openTransactions).toBe(1);
    await first.release(); // no commit, no cancel
    expect(captured).toHaveLength(1);
    const cancelled = events.filter((e) => e.type === "transaction.cancelled");
    expect(cancelled).toEqual([
      expect.objectContaining({ reason: "abandoned", count: 1, connectionId: first.connectionId }),
    ]);
    expect(cancelled[0]).not.toHaveProperty("error");

    // The next borrower gets the same connection (max 1); its write is its own, outside any transaction.
    const next = await m.acquire();
    expect(next.connectionId).toBe(first.connectionId);
    await next.db.query("CREATE note:next");
    await next.release();
    // The abandoned transaction is gone on the server: it can no longer commit what it wrote.
    await expect(captured[0]!.commit()).rejects.toThrow(/transaction not found/i);
    const [ids] = await m.executeWithRetry((db) =>
      db.query<[string[]]>("RETURN (SELECT VALUE <string> id FROM note).sort()"),
    );
    expect(ids).toEqual(["note:next"]);
    expect(m.metrics().snapshot().transactionsAbandoned).toBe(1);

    // A committed or cancelled transaction is not abandoned: releasing after it cancels nothing.
    const third = await m.acquire();
    const done = await third.db.beginTransaction();
    await done.query("CREATE note:committed");
    await done.commit();
    const dropped = await third.db.beginTransaction();
    await dropped.cancel();
    expect(third.openTransactions).toBe(0);
    await third.release();
    expect(events.filter((e) => e.type === "transaction.cancelled")).toHaveLength(1);
  } finally {
    await m.shutdown({ timeoutMs: 2_000 });
  }
}

describe("a transaction left open at release", () => {
  it("is cancelled before the embedded session is reused", async () => {
    await abandonedIsCancelled("mem://");
  });

  describe("over ws://", () => {
    const faults = useProxiedEndpoint();

    it("is cancelled before the socket is reused", async () => {
      await abandonedIsCancelled(faults.endpoint.url, {
        credentials: { username: "root", password: "root" },
      });
    });

    it("when the cancel cannot get through, the connection is discarded, never handed on", async () => {
      faults.proxy.setMode("pass");
      const events: PoolEvent[] = [];
      const m = await ConnectionManager.create({
        mode: { kind: "local", endpoint: faults.proxy.url },
        credentials: { username: "root", password: "root" },
        namespace: "t",
        database: "t",
        events: (e) => events.push(e),
        pool: { minConnections: 1, maxConnections: 1, queryTimeoutMs: 300, healthCheckIntervalMs: 600_000 },
      });
      try {
        const lease = await m.acquire();
        const tx = await lease.db.beginTransaction();
        await tx.query("CREATE note:stuck");
        faults.proxy.setMode("blackhole");
        const started = performance.now();
        await lease.release();
        expect(performance.now() - started).toBeLessThan(3_000);
        const cancelled = events.find((e) => e.type === "transaction.cancelled");
        expect(cancelled).toMatchObject({ reason: "abandoned", count: 1 });
        expect((cancelled as { error?: Error }).error?.message).toMatch(/did not finish within 300 ms/);
        expect(events).toContainEqual(
          expect.objectContaining({ type: "connection.retiring", connectionId: lease.connectionId }),
        );
        faults.proxy.setMode("pass");
        const next = await m.acquire();
        expect(next.connectionId).not.toBe(lease.connectionId);
        await next.release();
      } finally {
        faults.proxy.setMode("pass");
        await m.shutdown({ timeoutMs: 2_000 });
      }
    });
  });
});
