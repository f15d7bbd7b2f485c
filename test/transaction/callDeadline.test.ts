// The deadline on every call through a lease, on a leased socket that goes silent (a blackholing proxy
// in front of a real loopback endpoint): each call rejects with OperationTimeoutError within its
// deadline (+ a small bound), the event names the call and its deadline, the connection is replaced,
// and nothing hangs: not a second call on the same socket, not a transaction's commit.
import { Table } from "surrealdb";
import { describe, expect, it } from "vitest";
import {
  ConnectionManager,
  isCommitOutcomeUnknownError,
  isOperationTimeoutError,
  type PoolEvent,
} from "../../src/index.js";
import { waitFor } from "../remote/helpers.js";
import { useProxiedEndpoint } from "./proxiedEndpoint.js";

/** Slack over the deadline for a timer to fire on a loaded 2-core machine. */
const BOUND_MS = 700;

describe("a deadline on every call through a lease", () => {
  const faults = useProxiedEndpoint();

  async function open(queryTimeoutMs: number | null) {
    const events: PoolEvent[] = [];
    const m = await ConnectionManager.create({
      mode: { kind: "local", endpoint: faults.proxy.url },
      credentials: { username: "root", password: "root" },
      events: (e) => events.push(e),
      pool: { minConnections: 1, maxConnections: 2, queryTimeoutMs, healthCheckIntervalMs: 600_000 },
    });
    return { m, events };
  }

  it("rejects every call on the silent socket within acquire({ queryTimeoutMs }), says which call, and replaces the connection", async () => {
    faults.proxy.setMode("pass");
    const { m, events } = await open(60_000);
    try {
      const lease = await m.acquire({ queryTimeoutMs: 250 });
      await lease.db.query("RETURN 1");
      faults.proxy.setMode("blackhole");
      const started = performance.now();
      const [query, select] = await Promise.all([
        lease.db.query("RETURN 2").catch((e: unknown) => e),
        lease.db.select(new Table("nothing")).catch((e: unknown) => e),
      ]);
      const elapsed = performance.now() - started;
      expect(isOperationTimeoutError(query)).toBe(true);
      expect(isOperationTimeoutError(select)).toBe(true);
      expect((query as { timeoutMs: number }).timeoutMs).toBe(250);
      expect(elapsed).toBeGreaterThanOrEqual(240);
      expect(elapsed).toBeLessThan(250 + BOUND_MS);
      const timedOut = events.filter((e) => e.type === "lease.callTimedOut");
      expect(timedOut.map((e) => (e as { method: string }).method).sort()).toEqual(["query", "select"]);
      expect(timedOut[0]).toMatchObject({ connectionId: lease.connectionId, timeoutMs: 250 });
      expect(lease.timedOut).toBe(true);
      await lease.release();
      expect(events).toContainEqual(
        expect.objectContaining({ type: "connection.retiring", connectionId: lease.connectionId }),
      );
      faults.proxy.setMode("pass");
      await waitFor(
        () => events.some((e) => e.type === "connection.opened" && e.connectionId !== lease.connectionId),
        "a replacement connection opened",
      );
      const next = await m.acquire();
      expect(next.connectionId).not.toBe(lease.connectionId);
      await next.db.query("RETURN 3");
      await next.release();
      expect(m.metrics().snapshot().callTimeouts).toBe(2);
    } finally {
      faults.proxy.setMode("pass");
      await m.shutdown({ timeoutMs: 2_000 });
    }
  });

  it("bounds a transaction's commit on the silent socket too, and never reruns a commit whose outcome is unknown", async () => {
    faults.proxy.setMode("pass");
    const { m, events } = await open(300);
    try {
      const started = performance.now();
      const error = await m
        .transaction(
          async (tx) => {
            await tx.query("RETURN 1");
            faults.proxy.setMode("blackhole");
          },
          { maxAttempts: 3 },
        )
        .catch((e: unknown) => e);
      // The commit may have been applied: not retried, and the error says so (the deadline as its cause).
      expect(isCommitOutcomeUnknownError(error)).toBe(true);
      expect(isOperationTimeoutError((error as Error).cause)).toBe(true);
      expect(events.filter((e) => e.type === "transaction.retried")).toHaveLength(0);
      expect(performance.now() - started).toBeLessThan(300 + BOUND_MS + 1_000);
      expect(events).toContainEqual(
        expect.objectContaining({ type: "lease.callTimedOut", method: "commit" }),
      );
      expect(events.find((e) => e.type === "transaction.cancelled")).toMatchObject({ reason: "failed" });
      expect(m.healthStatus().inUse).toBe(0);
    } finally {
      faults.proxy.setMode("pass");
      await m.shutdown({ timeoutMs: 2_000 });
    }
  });
});
