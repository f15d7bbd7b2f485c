import { afterEach, describe, expect, it } from "vitest";
import { type ConnectionManager, foldMetrics, type MetricsSnapshot } from "../../src/index.js";
import { createManager, record } from "./helpers.js";

let manager: ConnectionManager | undefined;
afterEach(async () => {
  await manager?.shutdown({ timeoutMs: 1_000 });
  manager = undefined;
});

/**
 * `base` plus the effect of the events folded into `delta`. Every metric is a sum of per-event
 * increments (the idle gauge is a linear combination of the others), so this equals the snapshot
 * of the whole stream; only the histogram's max is a max rather than a sum.
 */
function plus(base: MetricsSnapshot, delta: MetricsSnapshot): MetricsSnapshot {
  const out = { ...base } as Record<string, unknown>;
  for (const [key, value] of Object.entries(delta)) {
    if (typeof value === "number") out[key] = (base as unknown as Record<string, number>)[key]! + value;
  }
  const h = base.acquireWaitMs;
  const d = delta.acquireWaitMs;
  out.acquireWaitMs = {
    bounds: h.bounds,
    counts: h.counts.map((c, i) => c + d.counts[i]!),
    count: h.count + d.count,
    sumMs: h.sumMs + d.sumMs,
    maxMs: Math.max(h.maxMs, d.maxMs),
  };
  return out as unknown as MetricsSnapshot;
}

describe("metrics and health of a live manager", () => {
  it("metrics().snapshot() equals the fold of the events, counted from when we subscribed", async () => {
    manager = await createManager({ minConnections: 2, maxConnections: 3 });
    // pool.started and the warm-up (connecting/opened x2) were published inside create(), before we
    // could subscribe to the hot events$; so take the snapshot at subscription time as the base and
    // fold what we record on top of it. Both happen synchronously: no event can slip in between.
    const base = manager.metrics().snapshot();
    const events = record(manager);
    expect(base).toMatchObject({ connectionsCreated: 2, size: 2, idle: 2, pending: 0 });

    const leases = await Promise.all([1, 2, 3].map(() => manager!.acquire()));
    await leases[0]!.db.set("dirty", true); // a reset on return
    const waiting = manager.acquire({ timeoutMs: 20 }).catch(() => undefined); // times out
    await waiting;
    await Promise.all(leases.map((l) => l.release()));
    await manager.executeWithRetry((db) => db.query("RETURN 1"));
    await manager.executeWithRetry((db) => db.query("SELEC * FROM person")).catch(() => undefined);
    await manager.healthCheck();
    await manager.acquire({ signal: AbortSignal.abort() }).catch(() => undefined);

    const snapshot = manager.metrics().snapshot();
    const rebuilt = plus(base, foldMetrics(events));
    expect({ ...rebuilt, acquireWaitMs: undefined }).toEqual({ ...snapshot, acquireWaitMs: undefined });
    expect(rebuilt.acquireWaitMs.counts).toEqual(snapshot.acquireWaitMs.counts);
    expect(rebuilt.acquireWaitMs.sumMs).toBeCloseTo(snapshot.acquireWaitMs.sumMs, 6);
    expect(snapshot).toMatchObject({
      connectionsCreated: 3,
      acquisitions: 5,
      releases: 5,
      acquireTimeouts: 1,
      acquireAborts: 1,
      successes: 1,
      errors: 1,
      resets: 1,
      healthChecksPassed: 3,
      inUse: 0,
      waiting: 0,
    });
    // The gauges of the fold agree with the pool's live bookkeeping.
    const health = manager.healthStatus();
    expect([snapshot.size, snapshot.idle, snapshot.inUse, snapshot.waiting, snapshot.pending]).toEqual([
      health.poolSize,
      health.availableConnections,
      health.inUse,
      health.waiting,
      health.pending,
    ]);
  });

  it("healthStatus() reports state, sizes, waiting callers and the endpoint", async () => {
    manager = await createManager({ minConnections: 2, maxConnections: 2 });
    expect(manager.healthStatus()).toMatchObject({
      healthy: true,
      state: "running",
      poolSize: 2,
      availableConnections: 2,
      inUse: 0,
      waiting: 0,
      pending: 0,
      circuitBreakerState: "closed",
      connectionStates: { ready: 2 },
      endpoints: [
        { endpoint: "mem://", healthy: true, size: 2, idle: 2, inUse: 0, pending: 0, breaker: "closed" },
      ],
    });
    const a = await manager.acquire();
    const b = await manager.acquire();
    const queued = manager.acquire({ timeoutMs: 1_000 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(manager.healthStatus()).toMatchObject({
      poolSize: 2,
      availableConnections: 0,
      inUse: 2,
      waiting: 1,
    });
    expect(manager.healthStatus().endpoints[0]).toMatchObject({ idle: 0, inUse: 2 });
    await a.release();
    const c = await queued;
    await b.release();
    await c.release();
    expect(manager.healthStatus()).toMatchObject({ availableConnections: 2, inUse: 0, waiting: 0 });
    expect(manager.healthStatus().lastError).toBeUndefined();
    await manager.shutdown();
    expect(manager.healthStatus()).toMatchObject({ healthy: false, state: "closed", poolSize: 0 });
  });
});
