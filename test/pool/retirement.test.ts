import { describe, expect, it } from "vitest";
import { connectionOf } from "../../src/surreal/lease/PooledLease.js";
import { poolHarness, settle, sleep, until } from "./harness.js";

describe("retiring connections between leases", () => {
  it("retires a connection after maxUses leases and opens a fresh one for the next", async () => {
    const h = poolHarness({ pool: { minConnections: 1, maxConnections: 1, maxUses: 3 } });
    await h.pool.start();
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const lease = await h.pool.acquire();
      ids.push(lease.connectionId);
      await lease.release();
    }
    expect(ids.slice(0, 3)).toEqual([ids[0], ids[0], ids[0]]);
    expect(ids[3]).not.toBe(ids[0]);
    expect(h.of("connection.retiring")).toMatchObject([{ connectionId: ids[0], reason: "maxUses" }]);
    expect(h.connector.connections[0]!.closed).toBe(true);
    await settle();
    expect(h.pool.size).toBe(1);
    await h.pool.shutdown();
  });

  it("never retires a leased connection for its lifetime, only when it comes back", async () => {
    const h = poolHarness({
      pool: { minConnections: 1, maxConnections: 1, maxLifetimeMs: 30 },
      extra: { housekeepingIntervalMs: 5 },
    });
    await h.pool.start();
    const lease = await h.pool.acquire();
    await sleep(80);
    expect(h.of("connection.retiring")).toHaveLength(0);
    expect(connectionOf(lease).state).toBe("ready");
    expect(() => lease.db).not.toThrow();
    await lease.release();
    expect(h.of("connection.retiring")).toMatchObject([
      { connectionId: lease.connectionId, reason: "lifetime" },
    ]);
    await until(() => h.pool.size === 1 && h.pool.idle === 1, "a replacement connection");
    const next = await h.pool.acquire();
    expect(next.connectionId).not.toBe(lease.connectionId);
    await next.release();
    await h.pool.shutdown();
  });

  it("retires an idle connection past its lifetime and replaces it up to minConnections", async () => {
    const h = poolHarness({
      pool: { minConnections: 1, maxConnections: 2, maxLifetimeMs: 40 },
      extra: { housekeepingIntervalMs: 5 },
    });
    await h.pool.start();
    const first = h.connector.connections[0]!;
    await until(() => first.closed && h.pool.size === 1, "the expired idle connection to be replaced");
    expect(h.of("connection.retiring")[0]).toMatchObject({ reason: "lifetime" });
    expect(h.connector.connections.length).toBeGreaterThanOrEqual(2);
    await h.pool.shutdown();
  });

  it("jitters lifetimes down by at most 10%", async () => {
    const h = poolHarness({ pool: { minConnections: 20, maxConnections: 20, maxLifetimeMs: 10_000 } });
    await h.pool.start();
    for (const c of h.pool.connections()) {
      const lifetime = c.expiresAt - c.createdAt;
      expect(lifetime).toBeGreaterThan(9_000);
      expect(lifetime).toBeLessThanOrEqual(10_000);
    }
    await h.pool.shutdown();
  });

  it("shrinks idle connections down to minConnections after idleTimeoutMs, and no further", async () => {
    const h = poolHarness({ pool: { minConnections: 1, maxConnections: 4, idleTimeoutMs: 30 } });
    await h.pool.start();
    const leases = await Promise.all([1, 2, 3, 4].map(() => h.pool.acquire()));
    expect(h.pool.size).toBe(4);
    await Promise.all(leases.map((l) => l.release()));
    await until(() => h.pool.size === 1, "the pool to shrink to minConnections");
    const idleRetired = h.of("connection.retiring");
    expect(idleRetired).toHaveLength(3);
    expect(idleRetired.every((e) => e.reason === "idle")).toBe(true);
    await sleep(100);
    expect(h.pool.size).toBe(1);
    expect(h.pool.idle).toBe(1);
    await h.pool.shutdown();
  });

  it("reaps the longest-idle connections first and keeps the recently used one", async () => {
    // minConnections 1: even if one housekeeping pass finds both expired, it may only reap one of them.
    const h = poolHarness({ pool: { minConnections: 1, maxConnections: 2, idleTimeoutMs: 60 } });
    await h.pool.start();
    const [a, b] = await Promise.all([h.pool.acquire(), h.pool.acquire()]);
    const keep = b!.connectionId;
    await a!.release();
    await sleep(40);
    await b!.release();
    await until(() => h.pool.size === 1, "the older idle connection to go");
    expect(h.of("connection.retiring")[0]).toMatchObject({ connectionId: a!.connectionId, reason: "idle" });
    expect(h.pool.connections().map((c) => c.id)).toEqual([keep]);
    await sleep(100);
    expect(h.pool.connections().map((c) => c.id)).toEqual([keep]);
    await h.pool.shutdown();
  });
});

describe("idle timeout with health checks more frequent than it", () => {
  it("retires idle connections above minConnections although health passes keep pinging them", async () => {
    const h = poolHarness({
      pool: { minConnections: 1, maxConnections: 3, idleTimeoutMs: 300, healthCheckIntervalMs: 40 },
      extra: { housekeepingIntervalMs: 20 },
    });
    await h.pool.start();
    const leases = await Promise.all([h.pool.acquire(), h.pool.acquire(), h.pool.acquire()]);
    await Promise.all(leases.map((l) => l.release()));
    expect(h.pool.size).toBe(3);
    await until(() => h.pool.size === 1, "the two above minConnections to retire for idleness", 3_000);
    // Health passes ran meanwhile (a check is not use), and the retirements were for idleness.
    expect(h.of("connection.validated").length).toBeGreaterThan(0);
    expect(h.of("connection.retiring").map((e) => e.reason)).toEqual(["idle", "idle"]);
    await h.pool.shutdown();
  });
});
