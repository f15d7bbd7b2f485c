import { describe, expect, it } from "vitest";
import { AcquireTimeoutError, isAcquireTimeoutError } from "../../src/errors/AcquireTimeoutError.js";
import { poolHarness, settle } from "./harness.js";

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}

describe("acquire timeout", () => {
  it("says the pool could not connect, with the last connect error as cause, when connects fail", async () => {
    const h = poolHarness({ pool: { minConnections: 0, maxConnections: 2 } });
    await h.pool.start();
    h.connector.outcome.open = "fail";
    const error = await rejection(h.pool.acquire({ timeoutMs: 60 }));
    expect(isAcquireTimeoutError(error)).toBe(true);
    const timeout = error as AcquireTimeoutError;
    expect(timeout.cannotConnect).toBe(true);
    expect(timeout.timeoutMs).toBe(60);
    expect(timeout.cause).toBe(h.pool.endpoints[0]!.lastConnectError);
    expect((timeout.cause as Error).message).toBe("fake connect refused (ECONNREFUSED)");
    expect(timeout.message).toBe(
      "no connection within 60 ms: the pool could not create a connection to fake://db (last error: fake connect refused (ECONNREFUSED)); check that the endpoint is up and reachable",
    );
    expect(h.connector.opens).toBeGreaterThanOrEqual(1);
    expect(h.pool.leased).toBe(0);
    await h.pool.shutdown();
  });

  it("says every connection stayed in use when the pool is full and connects are fine", async () => {
    const h = poolHarness({ pool: { maxConnections: 1 } });
    await h.pool.start();
    const held = await h.pool.acquire();
    const error = await rejection(h.pool.acquire({ timeoutMs: 30 }));
    expect(error).toBeInstanceOf(AcquireTimeoutError);
    expect((error as AcquireTimeoutError).cannotConnect).toBe(false);
    expect(error.cause).toBeUndefined();
    expect(error.message).toBe(
      "no connection within 30 ms: all 1 of 1 connections stayed in use (1 waiting); release leases sooner, raise pool.maxConnections, or raise pool.connectionTimeoutMs",
    );
    const failed = h.of("acquire.failed");
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ reason: "timeout", queued: true, error });
    expect(failed[0]!.waitMs).toBeGreaterThanOrEqual(25);
    expect(h.metrics.snapshot()).toMatchObject({ acquireTimeouts: 1, waiting: 0, inUse: 1 });
    expect(h.pool.waiting).toBe(0);
    await held.release();
    await h.pool.shutdown();
  });

  it("uses pool.connectionTimeoutMs when the call gives no timeoutMs", async () => {
    const h = poolHarness({ pool: { maxConnections: 1, connectionTimeoutMs: 40 } });
    await h.pool.start();
    const held = await h.pool.acquire();
    const started = performance.now();
    const error = await rejection(h.pool.acquire());
    expect((error as AcquireTimeoutError).timeoutMs).toBe(40);
    expect(performance.now() - started).toBeGreaterThanOrEqual(35);
    await held.release();
    await h.pool.shutdown();
  });

  it("does not time out a waiter that was served before its deadline", async () => {
    const h = poolHarness({ pool: { maxConnections: 1 } });
    await h.pool.start();
    const held = await h.pool.acquire();
    // A deadline far enough out that a loaded machine still serves the waiter before it.
    const waiter = h.pool.acquire({ timeoutMs: 300 });
    await settle();
    await held.release();
    const lease = await waiter;
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(lease.released).toBe(false);
    expect(h.of("acquire.failed")).toHaveLength(0);
    await lease.release();
    await h.pool.shutdown();
  });
});

describe("acquire timeout while connects hang", () => {
  it("blames the endpoint, not the pool size, when nothing is open and connects have not finished", async () => {
    const h = poolHarness({ pool: { minConnections: 0, maxConnections: 3, connectionTimeoutMs: 5_000 } });
    await h.pool.start();
    h.connector.outcome.open = "hang";
    const error = await rejection(h.pool.acquire({ timeoutMs: 30 }));
    expect(error).toBeInstanceOf(AcquireTimeoutError);
    expect((error as AcquireTimeoutError).cannotConnect).toBe(true);
    expect(error.message).toBe(
      "no connection within 30 ms: the pool could not create a connection to fake://db (last error: no connect to fake://db has finished yet (1 in flight)); check that the endpoint is up and reachable",
    );
    await h.pool.shutdown({ timeoutMs: 10 });
  });
});
