import { afterEach, describe, expect, it } from "vitest";
import type { PoolEvent } from "../../src/events/PoolEvent.js";
import { ConnectionManager } from "../../src/manager/ConnectionManager.js";
import { AgentSession } from "../../src/session/AgentSession.js";
import { agentLog$, TXLOG_EVENT_TYPES } from "../../src/session/agentLog.js";
import type { SessionPool } from "../../src/session/SessionPool.js";

// The real pool (embedded mem:// engine) under many agents at once.

// Compile-time proof that the pool satisfies the contract the session code is written against.
const _contract: (m: ConnectionManager) => SessionPool = (m) => m;
void _contract;

/** SurrealDB 3.0 reports conflicts in words only (the SDK's default predicate needs >= 3.1). */
const retryConflicts = {
  attempts: 20,
  retryDelay: 2,
  retryDelayMax: 100,
  retryable: (error: unknown) => /conflict|can be retried/i.test((error as Error | null)?.message ?? ""),
};

const AGENTS = 60;
const ROUNDS = 4;
const MAX_CONNECTIONS = 8;

let manager: ConnectionManager | undefined;
afterEach(async () => {
  await manager?.shutdown({ timeoutMs: 2_000 });
  manager = undefined;
});

describe("many agent sessions on one small pool", () => {
  it(`runs ${AGENTS} agents on at most ${MAX_CONNECTIONS} connections: isolated, fair, logged, durable`, async () => {
    const m = await ConnectionManager.create({
      namespace: "pool_ns",
      database: "pool_db",
      pool: {
        minConnections: 2,
        maxConnections: MAX_CONNECTIONS,
        connectionTimeoutMs: 20_000,
        healthCheckIntervalMs: 60_000,
      },
    });
    manager = m;
    const events: PoolEvent[] = [];
    let peak = 0;
    const sub = m.events$.subscribe((e) => {
      events.push(e);
      const h = m.healthStatus();
      peak = Math.max(peak, h.poolSize + h.pending);
    });
    const committed: string[] = [];
    const logSub = agentLog$(m, { types: ["txlog.committed"] }).subscribe((e) => committed.push(e.agentId));

    const sessions = await Promise.all(
      Array.from({ length: AGENTS }, (_, i) =>
        AgentSession.create(`agent-${i}`, m, `ns_${i}`, "work", { sink: { flushIntervalMs: 50 } }),
      ),
    );
    expect(sessions[0]!.maxConcurrentLeases).toBe(MAX_CONNECTIONS / 2);

    // Each agent does ROUNDS units of work, two at a time, each logged as a transaction.
    let busiest = 0;
    await Promise.all(
      sessions.map(async (s, i) => {
        for (let round = 0; round < ROUNDS; round += 2) {
          await Promise.all(
            [round, round + 1].map(async (r) => {
              const tx = s.recordTransaction({
                type: "write",
                path: `/notes/${r}`,
                contentHash: `h${i}-${r}`,
              });
              const lease = await s.acquire();
              try {
                busiest = Math.max(busiest, s.activeLeases);
                const [where] = await lease.db.query<[string[]]>("RETURN [session::ns(), session::db()]");
                expect(where).toEqual([s.namespace, "work"]);
                // The first writes into a fresh namespace define it implicitly, and those catalog writes can
                // conflict between an agent's two concurrent units: retry conflicts, as real agents should.
                await lease.db
                  .query("CREATE note SET agent = $agent, round = $round", { agent: s.agentId, round: r })
                  .retry(retryConflicts);
                s.commitTransaction(tx);
              } catch (error) {
                s.abortTransaction(tx, String(error));
                throw error;
              } finally {
                await lease.release();
              }
            }),
          );
        }
      }),
    );

    // Namespaces isolated: every agent sees exactly its own notes.
    await Promise.all(
      sessions.map(async (s) => {
        const lease = await s.acquire();
        try {
          const [rows] = await lease.db.query<[{ agent: string; round: number }[]]>(
            "SELECT agent, round FROM note ORDER BY round",
          );
          expect(rows).toEqual(Array.from({ length: ROUNDS }, (_, r) => ({ agent: s.agentId, round: r })));
        } finally {
          await lease.release();
        }
      }),
    );
    // A plain lease is back in the pool's own namespace: sessions' switches were undone.
    {
      const lease = await m.acquire();
      try {
        const [where] = await lease.db.query<[string[]]>("RETURN [session::ns(), session::db()]");
        expect(where).toEqual(["pool_ns", "pool_db"]);
      } finally {
        await lease.release();
      }
    }

    // Every agent's work is done and logged.
    for (const s of sessions) {
      const history = s.transactionHistory();
      expect(history).toHaveLength(ROUNDS);
      expect(history.every((e) => e.status === "committed")).toBe(true);
    }
    expect(committed).toHaveLength(AGENTS * ROUNDS);

    const reports = await Promise.all(sessions.map((s) => s.close()));
    expect(reports.every((r) => r.forcedReleases === 0 && r.logEvents === 2 * ROUNDS)).toBe(true);

    // Pool size bounded, per-agent cap held, nothing leaked.
    expect(peak).toBeLessThanOrEqual(MAX_CONNECTIONS);
    expect(busiest).toBeLessThanOrEqual(MAX_CONNECTIONS / 2);
    const health = m.healthStatus();
    expect(health.inUse).toBe(0);
    expect(health.waiting).toBe(0);

    // The session events are on the manager's stream.
    expect(events.filter((e) => e.type === "session.created")).toHaveLength(AGENTS);
    expect(events.filter((e) => e.type === "session.closed")).toHaveLength(AGENTS);
    expect(events.filter((e) => TXLOG_EVENT_TYPES.includes(e.type as never))).toHaveLength(
      AGENTS * ROUNDS * 2,
    );

    // Durable: any agent restores to the identical history.
    for (const s of [sessions[0]!, sessions[AGENTS - 1]!]) {
      const restored = await AgentSession.restore(s.agentId, m);
      expect(restored.namespace).toBe(s.namespace);
      expect(restored.database).toBe("work");
      expect(restored.transactionHistory()).toEqual(s.transactionHistory());
      await restored.close();
    }
    sub.unsubscribe();
    logSub.unsubscribe();
  }, 60_000);

  it("closing aborts the agent's acquire waiting in the pool's queue, and the pool serves the others", async () => {
    const m = await ConnectionManager.create({
      namespace: "pool_ns",
      database: "pool_db",
      pool: { minConnections: 1, maxConnections: 1, healthCheckIntervalMs: 60_000 },
    });
    manager = m;
    const holder = await AgentSession.create("holder", m, "ns_h");
    const waiter = await AgentSession.create("waiter", m, "ns_w");
    const held = await holder.acquire();
    const waiting = waiter.acquire();
    // Handled from the start: it rejects while close() is still being awaited.
    const outcome = waiting.then(
      () => undefined,
      (error: unknown) => error,
    );
    await new Promise((r) => setTimeout(r, 20));
    expect(m.healthStatus().waiting).toBe(1);
    await waiter.close();
    expect(await outcome).toMatchObject({
      code: "SESSION_CLOSED",
      cause: { code: "ACQUIRE_ABORTED" },
    });
    expect(m.healthStatus().waiting).toBe(0);
    await held.release();
    const again = await holder.acquire({ timeoutMs: 1_000 });
    await again.release();
    await holder.close();
  });

  it("a lease released (or force-released by close) refuses further use", async () => {
    const m = await ConnectionManager.create({
      namespace: "pool_ns",
      database: "pool_db",
      pool: { minConnections: 1, maxConnections: 2, healthCheckIntervalMs: 60_000 },
    });
    manager = m;
    const s = await AgentSession.create("keeper", m, "ns_keeper");
    const lease = await s.acquire();
    await lease.db.query("RETURN 1");
    const report = await s.close({ timeoutMs: 20 });
    expect(report.forcedReleases).toBe(1);
    expect(() => lease.db).toThrow(expect.objectContaining({ code: "LEASE_RELEASED" }));
    expect(m.healthStatus().inUse).toBe(0);
  });
});
