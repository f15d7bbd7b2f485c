// Startup that recovers fast: connects that fail together count once for the breaker, so a server that
// comes up shortly after create() serves the next acquire within one backoff step, not after the
// breaker's resetTimeoutMs. Real loopback endpoint, started late on a port chosen up front.
import { describe, expect, it } from "vitest";
import { freePort } from "../../scripts/inspect/localInspector.js";
import { isCircuitOpenError, isRetriesExhaustedError } from "../../src/index.js";
import { ConnectionManager } from "../../src/manager/ConnectionManager.js";
import { startEndpoint } from "../support/endpoint.js";
import { type FaultProxy, startFaultProxy } from "../support/faultProxy.js";

const credentials = { username: "root", password: "root" };

describe("startup with the server late or down", () => {
  it("serves the first acquire within one backoff step once a late server is up (not after resetTimeoutMs)", async () => {
    // The server process is started first (it takes ~1 s to boot); its port opens 0.6 s after create(),
    // when a proxy in front of it starts listening on the port the pool was given.
    const endpoint = await startEndpoint();
    const port = await freePort();
    const url = `ws://127.0.0.1:${port}/rpc`;
    const manager = await ConnectionManager.create({
      mode: { kind: "local", endpoint: url },
      credentials,
      pool: { minConnections: 5, maxConnections: 10, warmConnections: false, connectionTimeoutMs: 10_000 },
      circuitBreaker: { failureThreshold: 5, resetTimeoutMs: 30_000 },
    });
    const connecting: number[] = [];
    const failed: number[] = [];
    manager.events$.subscribe((e) => {
      if (e.type === "connection.connecting") connecting.push(performance.now());
      if (e.type === "connection.connectFailed") failed.push(performance.now());
    });
    let proxy: FaultProxy | undefined;
    try {
      await new Promise((resolve) => setTimeout(resolve, 600));
      proxy = await startFaultProxy({ target: endpoint, port });
      const up = performance.now();
      const lease = await manager.acquire();
      const servedAfterMs = performance.now() - up;
      await lease.release();
      // The first connect round after the port opened started within one backoff step (the default
      // policy's step is at most 1.6 s here, not resetTimeoutMs), and it served the acquire: no round
      // failed after the server was up. (The wall time adds the sign-in: ~0.2-1 s here.)
      const firstRoundAfterUp = connecting.find((t) => t >= up)!;
      expect(firstRoundAfterUp - up).toBeLessThan(1_600 + 100);
      expect(failed.filter((t) => t >= firstRoundAfterUp)).toEqual([]);
      expect(servedAfterMs).toBeLessThan(10_000);
      expect(manager.breakers()[0]!.state).toBe("closed");
      // The fill's parallel failed connects counted once each time, not five times.
      expect(manager.breakers()[0]!.failures).toBe(0);
    } finally {
      await manager.shutdown({ timeoutMs: 2_000 });
      await proxy?.close();
      await endpoint.stop();
    }
  });

  it("with the server down for good: CircuitOpenError carries the connect error, and no advice to raise maxAttempts", async () => {
    const port = await freePort();
    const manager = await ConnectionManager.create({
      mode: { kind: "local", endpoint: `ws://127.0.0.1:${port}/rpc` },
      credentials,
      pool: {
        minConnections: 2,
        warmConnections: false,
        connectionTimeoutMs: 5_000,
        retryPolicy: { maxAttempts: 3, initialBackoffMs: 5, maxBackoffMs: 20, multiplier: 2 },
      },
      circuitBreaker: { failureThreshold: 2, resetTimeoutMs: 30_000 },
    });
    try {
      // Wait (bounded) for the breaker to open on the refused connects.
      const deadline = performance.now() + 5_000;
      while (manager.breakers()[0]!.state !== "open" && performance.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const refused = await manager.acquire().catch((e: unknown) => e);
      expect(isCircuitOpenError(refused)).toBe(true);
      const cause = (refused as Error).cause as Error;
      expect(cause.message).toMatch(/ECONNREFUSED|refused/i);
      expect((refused as Error).message).toContain(cause.message);
      const exhausted = await manager.executeWithRetry((db) => db.query("RETURN 1")).catch((e: unknown) => e);
      expect(isRetriesExhaustedError(exhausted)).toBe(true);
      expect((exhausted as Error).message).not.toMatch(/maxAttempts/);
      expect((exhausted as Error).message).toMatch(
        /cannot be reached|is down|unreachable|check that the endpoint is up/,
      );
    } finally {
      await manager.shutdown({ timeoutMs: 2_000 });
    }
  });
});
