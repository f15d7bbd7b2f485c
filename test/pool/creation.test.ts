import { describe, expect, it } from "vitest";
import { ConnectError, isConnectError } from "../../src/errors/ConnectError.js";
import { poolHarness, sleep, until } from "./harness.js";

/** Timers Node has open right now (setTimeout/setInterval handles). */
function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
}

describe("creating connections", () => {
  it("backs off under persistent connect failure instead of looping hot", async () => {
    const h = poolHarness({
      pool: {
        minConnections: 2,
        maxConnections: 4,
        warmConnections: false,
        retryPolicy: { maxAttempts: 3, initialBackoffMs: 20, maxBackoffMs: 100, multiplier: 2 },
      },
      // A breaker that does not open here: this test is about the pool's own backoff.
      extra: {
        circuitBreaker: {
          failureThreshold: 1_000,
          resetTimeoutMs: 1_000,
          baseResetTimeoutMs: 1_000,
          halfOpenMaxProbes: 1,
        },
      },
    });
    h.connector.outcome.open = "fail";
    await h.pool.start();
    const waiter = h.pool.acquire({ timeoutMs: 300 }).catch((e: Error) => e);
    await sleep(300);
    // Without backoff this would be thousands of opens; with a 10 ms floor it cannot pass ~2 per 10 ms.
    expect(h.connector.opens).toBeGreaterThan(2);
    expect(h.connector.opens).toBeLessThanOrEqual(60);
    expect(await waiter).toMatchObject({ name: "AcquireTimeoutError", cannotConnect: true });
    expect(h.pool.size).toBe(0);
    // It recovers by itself once the endpoint answers again.
    h.connector.outcome.open = "ok";
    await until(() => h.pool.size === 2, "the pool to refill to minConnections", 1_000);
    expect(h.pool.endpoints[0]!.connectFailures).toBe(0);
    await h.pool.shutdown();
  });

  it("opens only what minConnections and waiters need, never more than maxConnections", async () => {
    const h = poolHarness({ pool: { minConnections: 1, maxConnections: 3 } });
    await h.pool.start();
    expect(h.connector.opens).toBe(1);
    const leases = await Promise.all([1, 2, 3].map(() => h.pool.acquire()));
    expect(h.connector.opens).toBe(3);
    const extra = await Promise.allSettled([
      h.pool.acquire({ timeoutMs: 30 }),
      h.pool.acquire({ timeoutMs: 30 }),
    ]);
    expect(extra.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    expect(h.connector.opens).toBe(3);
    expect(h.pool.size).toBe(3);
    await Promise.all(leases.map((l) => l.release()));
    await h.pool.shutdown();
  });

  it("rejects start() with ConnectError when warm-up fails, shuts down, and leaves no timers", async () => {
    const before = activeTimers();
    const h = poolHarness({ pool: { minConnections: 2, maxConnections: 4 } });
    h.connector.outcome.open = "fail";
    const error = await h.pool.start().catch((e: Error) => e);
    expect(isConnectError(error)).toBe(true);
    expect((error as ConnectError).endpoint).toBe("fake://db");
    expect((error as Error).message).toBe(
      "could not open 2 of 2 warm connections (fake connect refused (ECONNREFUSED)); check that the endpoint is up, or set pool.warmConnections: false to start without it",
    );
    expect(((error as Error).cause as Error).message).toBe("fake connect refused (ECONNREFUSED)");
    expect(h.pool.state).toBe("closed");
    expect(h.of("pool.shutdown").map((e) => e.phase)).toEqual(["draining", "closed"]);
    expect(activeTimers()).toBeLessThanOrEqual(before);
    const opens = h.connector.opens;
    await sleep(50);
    expect(h.connector.opens).toBe(opens);
  });

  it("fails warm-up on a connect that hangs, after connectTimeoutMs", async () => {
    const before = activeTimers();
    const h = poolHarness({ pool: { minConnections: 1, maxConnections: 1, connectTimeoutMs: 30 } });
    h.connector.outcome.open = "hang";
    const error = await h.pool.start().catch((e: Error) => e);
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as Error).message).toMatch(/did not finish within 30 ms/);
    expect(activeTimers()).toBeLessThanOrEqual(before);
  });

  it("passes a ConnectError from the connector through unchanged", async () => {
    const h = poolHarness({ pool: { minConnections: 1, maxConnections: 1 } });
    const own = new ConnectError("fake://db", "cannot connect to fake://db: bad handshake");
    h.connector.openError = () => own;
    h.connector.outcome.open = "fail";
    await expect(h.pool.start()).rejects.toBe(own);
  });

  it("starts without waiting when warmConnections is false, filling minConnections in the background", async () => {
    const h = poolHarness({ pool: { minConnections: 2, maxConnections: 2, warmConnections: false } });
    h.connector.openLatencyMs = 20;
    await h.pool.start();
    expect(h.pool.size).toBe(0);
    expect(h.pool.pending).toBe(2);
    await until(() => h.pool.size === 2, "background fill");
    await h.pool.shutdown();
  });
});
