// A leased ws:// connection whose peer goes silent (a blackholing proxy in front of a real loopback
// endpoint): every call through the lease has a deadline, a revoked lease's running calls reject, and
// nothing hangs, executeWithRetry's deadline covering the wait for a connection too.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isLeaseReleasedError, isOperationTimeoutError } from "../../src/index.js";
import { ConnectionManager } from "../../src/manager/ConnectionManager.js";
import { type EndpointHandle, startEndpoint } from "../support/endpoint.js";
import { type FaultProxy, startFaultProxy } from "../support/faultProxy.js";

const credentials = { username: "root", password: "root" };

describe("a leased socket that goes silent", () => {
  let endpoint: EndpointHandle;
  let proxy: FaultProxy;

  beforeAll(async () => {
    endpoint = await startEndpoint();
    proxy = await startFaultProxy({ target: endpoint });
  });
  afterAll(async () => {
    proxy?.setMode("pass");
    await proxy?.close();
    await endpoint?.stop();
  });

  function manager(pool: Record<string, unknown> = {}) {
    return ConnectionManager.create({
      mode: { kind: "local", endpoint: proxy.url },
      credentials,
      pool: { minConnections: 1, maxConnections: 2, healthCheckIntervalMs: 600_000, ...pool },
    });
  }

  it("rejects a call past queryTimeoutMs with OperationTimeoutError and replaces the connection", async () => {
    proxy.setMode("pass");
    const m = await manager({ queryTimeoutMs: 300 });
    try {
      const lease = await m.acquire();
      await lease.db.query("RETURN 1"); // the socket works
      proxy.setMode("blackhole");
      const started = performance.now();
      const error = await lease.db.query("RETURN 2").catch((e: unknown) => e);
      expect(isOperationTimeoutError(error)).toBe(true);
      expect(performance.now() - started).toBeLessThan(300 + 500);
      const dead = lease.connectionId;
      await lease.release();
      proxy.setMode("pass");
      // The connection that timed out was discarded, not returned; a fresh one serves.
      const next = await m.acquire();
      expect(next.connectionId).not.toBe(dead);
      await next.db.query("RETURN 3");
      await next.release();
    } finally {
      proxy.setMode("pass");
      await m.shutdown({ timeoutMs: 2_000 });
    }
  });

  it("rejects a call still running when shutdown takes its lease back, so the caller's finally runs", async () => {
    proxy.setMode("pass");
    const m = await manager({ queryTimeoutMs: null });
    const lease = await m.acquire();
    proxy.setMode("blackhole");
    let released = false;
    const work = (async () => {
      try {
        return await lease.db.query("RETURN 1");
      } finally {
        await lease.release();
        released = true;
      }
    })();
    const outcome = work.catch((e: unknown) => e);
    const report = await m.shutdown({ timeoutMs: 500 });
    expect(report.abandoned.map((a) => a.connectionId)).toEqual([lease.connectionId]);
    const error = await outcome;
    expect(isLeaseReleasedError(error)).toBe(true);
    expect(released).toBe(true);
    proxy.setMode("pass");
  });

  it("bounds executeWithRetry's timeoutMs over the wait for a connection too", async () => {
    proxy.setMode("pass");
    const m = await manager({ maxConnections: 1, connectionTimeoutMs: 10_000 });
    try {
      const holder = await m.acquire(); // the only connection: the next attempt must wait
      const started = performance.now();
      const error = await m
        .executeWithRetry((db) => db.query("RETURN 1"), { timeoutMs: 100 })
        .catch((e: unknown) => e);
      const tookMs = performance.now() - started;
      // Three attempts of at most 100 ms each, plus backoff (<= 100 + 200 ms): far below connectionTimeoutMs.
      expect(tookMs).toBeLessThan(3 * 100 + 300 + 400);
      expect((error as Error).name).toBe("RetriesExhaustedError");
      expect(isOperationTimeoutError((error as Error).cause)).toBe(true);
      await holder.release();
    } finally {
      await m.shutdown({ timeoutMs: 2_000 });
    }
  });
});
