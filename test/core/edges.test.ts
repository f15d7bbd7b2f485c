// The core model's edge cases, each a row of the table it was found in: every one of these failed on
// the pool before the Endpoint / one-dispatch rework. Real embedded engine throughout.
import { describe, expect, it } from "vitest";
import { isLeaseReleasedError, isPoolClosedError, type PoolEvent } from "../../src/index.js";
import { ConnectionManager } from "../../src/manager/ConnectionManager.js";
import { foldMetrics } from "../../src/observers/metrics.js";
import { AgentSession } from "../../src/session/AgentSession.js";
import { createManager } from "../integration/helpers.js";

describe("core model: the edges", () => {
  it("refuses an acquire made right after shutdown() (the pool's and an open agent session's)", async () => {
    const manager = await createManager({ minConnections: 2 });
    const agent = await AgentSession.create("edge-agent", manager, "edge_ns");
    const shutdown = manager.shutdown({ timeoutMs: 2_000 });
    // Synchronously from the call on: no new work, whoever asks.
    expect(manager.healthStatus().state).toBe("draining");
    expect(manager.healthStatus().healthy).toBe(false);
    const refused = await manager.acquire().then(
      () => "granted",
      (e: unknown) => e,
    );
    expect(isPoolClosedError(refused)).toBe(true);
    const refusedByAgent = await agent.acquire().then(
      () => "granted",
      (e: unknown) => e,
    );
    expect(isPoolClosedError(refusedByAgent)).toBe(true);
    await expect(manager.executeWithRetry((db) => db.query("RETURN 1"))).rejects.toSatisfy(isPoolClosedError);
    const report = await shutdown;
    expect(report.abandoned).toEqual([]);
    expect(agent.state).toBe("closed");
    // A second call returns the same promise.
    expect(manager.shutdown()).toBe(manager.shutdown());
  });

  it("keeps shutdown({ timeoutMs }) as the bound of the whole shutdown, a held lease and an agent session included", async () => {
    const manager = await createManager({ minConnections: 2 });
    const agent = await AgentSession.create("slow-agent", manager, "slow_ns", undefined, {
      closeTimeoutMs: 10_000,
    });
    const held = await manager.acquire();
    const agentLease = await agent.acquire();
    const started = performance.now();
    const report = await manager.shutdown({ timeoutMs: 1_000 });
    const tookMs = performance.now() - started;
    // The agent's close waits for its lease (its own timeout is 10 s): the manager's deadline cuts it
    // where the pool takes its own leases back (three quarters of the budget; the rest is for the
    // closes), the session releases that lease itself; the lease held outside any session is taken back.
    expect(tookMs).toBeGreaterThanOrEqual(700);
    expect(tookMs).toBeLessThan(1_500);
    expect(report.durationMs).toBeLessThan(1_500);
    expect(report.abandoned.map((a) => a.connectionId)).toEqual([held.connectionId]);
    expect(agentLease.released).toBe(true);
    expect(agent.state).toBe("closed");
    expect(() => held.db).toThrow(/taken back by shutdown/);
    const m = manager.metrics().snapshot();
    expect([m.size, m.inUse, m.idle, m.pending, m.checking, m.retiring]).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it("a db kept after release refuses every call: it can never reach the next borrower's session", async () => {
    const manager = await createManager({ minConnections: 1, maxConnections: 1 });
    try {
      const a = await manager.acquire();
      const kept = a.db;
      const builder = kept.select(new (await import("surrealdb")).Table("nothing"));
      await a.release();
      const b = await manager.acquire();
      expect(b.connectionId).toBe(a.connectionId); // the same pooled session, now b's
      for (const stale of [
        () => kept.use({ namespace: "x" }),
        () => kept.query("DEFINE NAMESPACE hijacked"),
        () => kept.set("v", 1),
        () => kept.namespace,
      ]) {
        let error: unknown;
        try {
          await stale();
        } catch (e) {
          error = e;
        }
        expect(isLeaseReleasedError(error)).toBe(true);
      }
      // A query builder made before the release does not send either.
      await expect(builder).rejects.toSatisfy(isLeaseReleasedError);
      expect(b.db.namespace).toBe("it_ns");
      const [ns] = await b.db.query<[string]>("RETURN session::ns()");
      expect(ns).toBe("it_ns");
      await b.release();
    } finally {
      await manager.shutdown();
    }
  });

  it("a caller's `events` observer sees every event from pool.started on, so its fold equals the live snapshot", async () => {
    const seen: PoolEvent[] = [];
    const manager = await ConnectionManager.create({
      namespace: "ev_ns",
      pool: { minConnections: 3, maxConnections: 5 },
      events: (e) => seen.push(e),
    });
    let completed = false;
    const observed = await ConnectionManager.create({
      pool: { minConnections: 1 },
      events: { next: () => {}, complete: () => (completed = true) },
    });
    try {
      expect(seen[0]?.type).toBe("pool.started");
      expect(seen.filter((e) => e.type === "connection.opened")).toHaveLength(3);
      await manager.executeWithRetry((db) => db.query("RETURN 1"));
      const folded = foldMetrics(seen);
      expect(folded).toEqual(manager.metrics().snapshot());
      expect(folded.connectionsCreated).toBe(3);
    } finally {
      await manager.shutdown();
      await observed.shutdown();
    }
    expect(completed).toBe(true);
    expect(seen.at(-1)).toMatchObject({ type: "pool.shutdown", phase: "closed" });
  });

  it("refuses a bad `events` option with a ConfigError", async () => {
    await expect(ConnectionManager.create({ events: 42 as never })).rejects.toMatchObject({
      code: "CONFIG_INVALID",
    });
  });
});
