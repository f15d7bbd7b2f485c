import { describe, expect, it } from "vitest";
import { connectionOf } from "../../src/surreal/lease/PooledLease.js";
import { rawOf } from "../../src/surreal/rawOf.js";
import { poolHarness, sleep, until } from "./harness.js";

describe("checking connections", () => {
  it("pings a connection idle longer than validateAfterIdleMs before leasing it", async () => {
    const h = poolHarness({ pool: { minConnections: 1, maxConnections: 1, validateAfterIdleMs: 20 } });
    await h.pool.start();
    const fake = h.connector.connections[0]!;
    await sleep(40);
    const lease = await h.pool.acquire();
    expect(fake.pings).toBe(1);
    expect(lease.connectionId).toBe(h.pool.connections()[0]!.id);
    const types = h.events.map((e) => e.type);
    // The caller waits in the queue while the ping runs, then gets the checked connection.
    expect(types.slice(types.indexOf("connection.validating"))).toEqual([
      "connection.validating",
      "acquire.queued",
      "connection.validated",
      "lease.acquired",
    ]);
    expect(h.of("connection.validated")[0]).toMatchObject({ ok: true });
    await lease.release();
    // Just returned: leased again without a ping.
    const again = await h.pool.acquire();
    expect(fake.pings).toBe(1);
    await again.release();
    await h.pool.shutdown();
  });

  it("retires a connection that fails its pre-lease ping and leases a fresh one", async () => {
    const h = poolHarness({ pool: { minConnections: 1, maxConnections: 1, validateAfterIdleMs: 10 } });
    await h.pool.start();
    await sleep(25);
    h.connector.outcome.ping = "fail";
    const lease = await h.pool.acquire();
    expect(h.of("connection.validated")).toMatchObject([{ ok: false }]);
    expect(h.of("connection.retiring")).toMatchObject([{ reason: "broken" }]);
    expect(h.connector.connections[0]!.closed).toBe(true);
    expect(h.connector.byDb(rawOf(connectionOf(lease)).db)).toBe(h.connector.connections[1]);
    expect(h.metrics.snapshot()).toMatchObject({ healthChecksFailed: 1, connectionsCreated: 2 });
    await lease.release();
    await h.pool.shutdown();
  });

  it("retires and replaces an idle connection whose transport reports it broken", async () => {
    const h = poolHarness({ pool: { minConnections: 2, maxConnections: 2 } });
    await h.pool.start();
    const victim = h.connector.connections[0]!;
    victim.breakTransport();
    await until(() => victim.closed && h.pool.size === 2 && h.pool.idle === 2, "a replacement");
    expect(h.of("connection.retiring")).toMatchObject([{ reason: "broken" }]);
    expect(h.connector.connections).toHaveLength(3);
    const leases = [await h.pool.acquire(), await h.pool.acquire()];
    expect(leases.map((l) => h.connector.byDb(rawOf(connectionOf(l)).db))).not.toContain(victim);
    await Promise.all(leases.map((l) => l.release()));
    await h.pool.shutdown();
  });

  it("retires a connection whose transport drops while leased at once: the lease ends, its db refuses calls", async () => {
    const h = poolHarness({ pool: { minConnections: 1, maxConnections: 1 } });
    await h.pool.start();
    const lease = await h.pool.acquire();
    const db = lease.db;
    h.connector.byDb(rawOf(connectionOf(lease)).db)!.breakTransport();
    // The machine retires it (no polled flag): the lease ends with it, and says why.
    expect(h.of("connection.retiring")).toMatchObject([{ reason: "broken" }]);
    expect(h.of("lease.released")).toMatchObject([{ connectionId: lease.connectionId, revoked: "broken" }]);
    expect(lease.released).toBe(true);
    expect(() => db.query("RETURN 1")).toThrow(/broke while leased/);
    await lease.release(); // harmless
    await until(() => h.pool.idle === 1, "a replacement");
    expect(h.metrics.snapshot()).toMatchObject({ inUse: 0, idle: 1, size: 1 });
    await h.pool.shutdown();
  });

  it("resets what a borrower changed before the next lease, and only that", async () => {
    const h = poolHarness({ pool: { minConnections: 1, maxConnections: 1 } });
    await h.pool.start();
    const fake = h.connector.connections[0]!;
    const lease = await h.pool.acquire();
    await lease.db.use({ namespace: "other", database: "elsewhere" });
    await lease.db.set("v", 1);
    await lease.release();
    expect(fake.resets).toEqual([["use", "vars"]]);
    const next = await h.pool.acquire();
    expect(h.connector.byDb(rawOf(connectionOf(next)).db)).toBe(fake);
    expect(fake.fake.namespace).toBe("test_ns");
    expect(fake.fake.database).toBe("test_db");
    expect(fake.fake.parameters).toEqual({});
    await next.release();
    expect(fake.resets).toHaveLength(1); // a clean return costs no reset
    expect(h.of("connection.reset")).toMatchObject([{ ok: true, undone: ["use", "vars"] }]);
    await h.pool.shutdown();
  });

  it("retires a connection whose reset fails, and the next borrower gets a clean one", async () => {
    const h = poolHarness({ pool: { minConnections: 1, maxConnections: 1 } });
    await h.pool.start();
    const lease = await h.pool.acquire();
    await lease.db.set("secret", "x");
    h.connector.outcome.reset = "fail";
    await lease.release();
    expect(h.of("connection.reset")).toMatchObject([{ ok: false, undone: ["vars"] }]);
    expect(h.of("connection.retiring")).toMatchObject([{ reason: "broken" }]);
    const next = await h.pool.acquire();
    expect(h.connector.byDb(rawOf(connectionOf(next)).db)).toBe(h.connector.connections[1]);
    expect(next.db.parameters).toEqual({});
    expect(h.metrics.snapshot().resetFailures).toBe(1);
    await next.release();
    await h.pool.shutdown();
  });

  it("retires a connection whose session the borrower closed (isValid false)", async () => {
    const h = poolHarness({ pool: { minConnections: 1, maxConnections: 1 } });
    await h.pool.start();
    const lease = await h.pool.acquire();
    h.connector.byDb(rawOf(connectionOf(lease)).db)!.fake.isValid = false;
    await lease.release();
    expect(h.of("connection.retiring")).toMatchObject([{ reason: "broken" }]);
    await h.pool.shutdown();
  });

  it("switches to a per-acquire namespace and back on return", async () => {
    const h = poolHarness({ pool: { minConnections: 1, maxConnections: 1 } });
    await h.pool.start();
    const lease = await h.pool.acquire({ namespace: "tenant_a" });
    expect(lease.db.namespace).toBe("tenant_a");
    expect(lease.db.database).toBe("test_db");
    await lease.release();
    const next = await h.pool.acquire();
    expect(next.db.namespace).toBe("test_ns");
    await next.release();
    await h.pool.shutdown();
  });

  it("health check pings every idle connection, keeps the good and replaces the bad", async () => {
    const h = poolHarness({ pool: { minConnections: 3, maxConnections: 3 } });
    await h.pool.start();
    const held = await h.pool.acquire();
    expect(await h.pool.healthCheck()).toEqual({ passed: 2, failed: 0 });
    expect(h.pool.idle).toBe(2);
    const bad = h.connector.connections.find((c) => c.fake !== (held.db as unknown))!;
    h.connector.outcome.ping = "fail";
    const result = await h.pool.healthCheck();
    expect(result).toEqual({ passed: 0, failed: 2 });
    expect(bad.closed).toBe(true);
    h.connector.outcome.ping = "ok";
    await until(() => h.pool.size === 3 && h.pool.idle === 2, "replacements");
    expect(h.metrics.snapshot()).toMatchObject({ healthChecksPassed: 2, healthChecksFailed: 2 });
    expect(connectionOf(held).state).toBe("ready"); // the leased one was never pinged
    await held.release();
    await h.pool.shutdown();
  });

  it("treats a ping that never answers as failed after validationTimeoutMs", async () => {
    const h = poolHarness({ pool: { minConnections: 1, maxConnections: 1, validationTimeoutMs: 20 } });
    await h.pool.start();
    h.connector.outcome.ping = "hang";
    expect(await h.pool.healthCheck()).toEqual({ passed: 0, failed: 1 });
    expect(h.of("connection.validated")[0]!.error?.message).toMatch(/did not finish within 20 ms/);
    await h.pool.shutdown();
  });
});
