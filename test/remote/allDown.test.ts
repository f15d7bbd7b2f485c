// Every endpoint down: calls fail fast with CircuitOpenError instead of waiting out their timeouts, and the
// pool recovers fully when the endpoints come back.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isCircuitOpenError } from "../../src/errors/CircuitOpenError.js";
import { isRetriesExhaustedError } from "../../src/errors/RetriesExhaustedError.js";
import { ConnectionManager } from "../../src/manager/ConnectionManager.js";
import type { EndpointHandle } from "../support/endpoint.js";
import {
  closeAll,
  EventRecorder,
  remoteOptions,
  settleWithin,
  sleep,
  startEndpoints,
  waitFor,
} from "./helpers.js";

const CONNECT_TIMEOUT_MS = 4_000;

describe("remote: every endpoint down, then back", () => {
  let endpoints: EndpointHandle[] = [];
  let manager: ConnectionManager | undefined;

  beforeAll(async () => {
    endpoints = await startEndpoints(3);
  });
  afterAll(async () => {
    await closeAll(manager, [], endpoints);
  });

  it("fails fast with CircuitOpenError while every breaker is open, and recovers when the endpoints return", async () => {
    const urls = endpoints.map((e) => e.url);
    manager = await ConnectionManager.create(
      remoteOptions(urls, {
        pool: {
          minConnections: 3,
          maxConnections: 6,
          connectionTimeoutMs: CONNECT_TIMEOUT_MS,
          retryPolicy: { maxAttempts: 3, initialBackoffMs: 10, maxBackoffMs: 40 },
        },
        circuitBreaker: { failureThreshold: 2, resetTimeoutMs: 500 },
      }),
    );
    const recorder = new EventRecorder(manager);
    const [before] = await manager.executeWithRetry((db) => db.query<[number]>("RETURN 1"));
    expect(before).toBe(1);

    const killedAt = recorder.mark;
    await Promise.all(endpoints.map((e) => e.kill()));
    await waitFor(
      () => manager!.healthStatus().endpoints.every((e) => e.breaker === "open"),
      () => `every breaker should open: ${JSON.stringify(manager!.breakers())}`,
    );
    for (const url of urls) {
      expect(
        recorder.of("breaker.transition", killedAt).some((t) => t.endpoint === url && t.to === "open"),
      ).toBe(true);
    }
    const status = manager.healthStatus();
    expect(status.healthy).toBe(false);
    expect(status.circuitBreakerState).toBe("open");

    // While the breakers are open (each half-opens every 500 ms, and its probe is refused at once),
    // acquires and executeWithRetry fail fast, never waiting out connectionTimeoutMs.
    for (let i = 0; i < 5; i++) {
      let started = performance.now();
      const acquired = await settleWithin(manager.acquire(), CONNECT_TIMEOUT_MS);
      const acquireMs = performance.now() - started;
      if (acquired === "timeout" || acquired.ok) throw new Error("acquire should have failed fast");
      expect(isCircuitOpenError(acquired.error), String(acquired.error)).toBe(true);
      expect(acquireMs).toBeLessThan(CONNECT_TIMEOUT_MS / 4);

      let calls = 0;
      started = performance.now();
      const executed = await settleWithin(
        manager.executeWithRetry((db) => {
          calls++;
          return db.query("RETURN 1");
        }),
        CONNECT_TIMEOUT_MS,
      );
      const executeMs = performance.now() - started;
      if (executed === "timeout" || executed.ok) throw new Error("executeWithRetry should have failed fast");
      // CircuitOpenError is transient, so the retries ran (backoff <= 40 ms each) and then gave up.
      expect(isRetriesExhaustedError(executed.error), String(executed.error)).toBe(true);
      expect(isCircuitOpenError((executed.error as Error).cause)).toBe(true);
      expect(calls).toBe(0);
      expect(executeMs).toBeLessThan(CONNECT_TIMEOUT_MS / 2);
      await sleep(100);
    }
    const rejected = recorder.of("acquire.failed", killedAt).filter((f) => f.reason === "unavailable");
    expect(rejected.length).toBeGreaterThanOrEqual(5);
    expect(manager.metrics().snapshot().acquireRejections).toBeGreaterThanOrEqual(5);

    // Back: breakers close, calls succeed on every endpoint, the pool refills.
    const restartedAt = recorder.mark;
    await Promise.all(endpoints.map((e) => e.restart()));
    await waitFor(
      () => manager!.healthStatus().endpoints.every((e) => e.breaker === "closed"),
      () => `every breaker should close: ${JSON.stringify(manager!.breakers())}`,
    );
    // Drive calls until every endpoint has served one again (bounded in count and time).
    const deadline = performance.now() + 8_000;
    let results = 0;
    for (let i = 0; i < 500 && performance.now() < deadline; i++) {
      const [one] = await manager.executeWithRetry((db) => db.query<[number]>("RETURN 1"));
      expect(one).toBe(1);
      results++;
      if (urls.every((u) => (recorder.leasesByEndpoint(restartedAt).get(u) ?? 0) > 0)) break;
      await sleep(5);
    }
    expect(
      urls.map((u) => (recorder.leasesByEndpoint(restartedAt).get(u) ?? 0) > 0),
      `leases since restart: ${JSON.stringify([...recorder.leasesByEndpoint(restartedAt)])}`,
    ).toEqual([true, true, true]);
    expect(results).toBeGreaterThan(0);
    const after = manager.healthStatus();
    expect(after.healthy).toBe(true);
    expect(after.circuitBreakerState).toBe("closed");
    await waitFor(
      () => manager!.healthStatus().poolSize >= 3,
      () => `the pool should refill: ${JSON.stringify(manager!.healthStatus())}`,
    );
    recorder.stop();
  });
});
