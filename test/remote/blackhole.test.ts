// A partitioned endpoint (the fault proxy accepts TCP but forwards nothing): nothing the pool does may hang.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { isAcquireTimeoutError } from "../../src/errors/AcquireTimeoutError.js";
import { isConnectError } from "../../src/errors/ConnectError.js";
import { isRetriesExhaustedError } from "../../src/errors/RetriesExhaustedError.js";
import { ConnectionManager } from "../../src/manager/ConnectionManager.js";
import type { EndpointHandle } from "../support/endpoint.js";
import { type FaultProxy, startFaultProxy } from "../support/faultProxy.js";
import {
  closeAll,
  EventRecorder,
  type RemoteOverrides,
  remoteOptions,
  settleWithin,
  sleep,
  startEndpoints,
  waitFor,
} from "./helpers.js";

const CONNECT_TIMEOUT_MS = 2_500;
const VALIDATION_TIMEOUT_MS = 400;
/** Timers on a busy 2-core machine fire late; bounds are "deadline + this", never exact. */
const SLACK_MS = 1_500;
const VALIDATE_AFTER_IDLE_MS = 50;

describe("remote endpoint behind a blackhole", () => {
  let endpoint: EndpointHandle | undefined;
  let proxy: FaultProxy | undefined;
  let manager: ConnectionManager | undefined;

  // One endpoint, so nothing can fail over: the pool's own deadlines are what is tested. The breaker is
  // kept out of the way (a high threshold) so acquires wait instead of failing fast.
  const options = (pool: RemoteOverrides["pool"] = {}) =>
    remoteOptions([proxy!.url], {
      pool: {
        minConnections: 2,
        maxConnections: 4,
        connectionTimeoutMs: CONNECT_TIMEOUT_MS,
        connectTimeoutMs: CONNECT_TIMEOUT_MS,
        validationTimeoutMs: VALIDATION_TIMEOUT_MS,
        ...pool,
      },
      circuitBreaker: { failureThreshold: 1_000, resetTimeoutMs: 400 },
    });

  beforeAll(async () => {
    [endpoint] = await startEndpoints(1);
    proxy = await startFaultProxy({ target: endpoint! });
  });
  beforeEach(() => proxy!.setMode("pass"));
  afterEach(async () => {
    proxy?.setMode("pass"); // heals held sockets so the shutdown's closes complete quickly
    await manager?.shutdown({ timeoutMs: 1_000 }).catch(() => undefined);
    manager = undefined;
  });
  afterAll(async () => {
    await closeAll(undefined, [proxy], [endpoint]);
  });

  it("create() fails with ConnectError after connectTimeoutMs instead of hanging", async () => {
    proxy!.setMode("blackhole");
    const started = performance.now();
    const outcome = await settleWithin(ConnectionManager.create(options()), CONNECT_TIMEOUT_MS + SLACK_MS);
    const elapsed = performance.now() - started;
    expect(outcome).not.toBe("timeout");
    if (outcome === "timeout" || outcome.ok) throw new Error("create() should have rejected");
    expect(isConnectError(outcome.error)).toBe(true);
    expect((outcome.error as Error).message).toContain(`did not finish within ${CONNECT_TIMEOUT_MS} ms`);
    expect(elapsed).toBeGreaterThanOrEqual(CONNECT_TIMEOUT_MS - 50);
    expect(elapsed).toBeLessThan(CONNECT_TIMEOUT_MS + SLACK_MS);
  });

  it("a health check fails dead sockets within validationTimeoutMs; acquires then time out naming the connect failure", async () => {
    manager = await ConnectionManager.create(options());
    const recorder = new EventRecorder(manager);
    const before = manager.healthStatus().poolSize;
    expect(before).toBe(2);

    proxy!.setMode("blackhole");
    let started = performance.now();
    const result = await manager.healthCheck();
    const checkMs = performance.now() - started;
    expect(result).toEqual({ passed: 0, failed: 2 });
    expect(checkMs).toBeGreaterThanOrEqual(VALIDATION_TIMEOUT_MS - 50);
    expect(checkMs).toBeLessThan(VALIDATION_TIMEOUT_MS + SLACK_MS);
    expect(manager.metrics().snapshot().healthChecksFailed).toBe(2);
    const failedPings = recorder.of("connection.validated").filter((v) => !v.ok);
    expect(failedPings.map((v) => v.error?.message)).toEqual([
      expect.stringMatching(/ping .* did not finish within 400 ms/),
      expect.stringMatching(/ping .* did not finish within 400 ms/),
    ]);
    expect(recorder.of("connection.retiring").map((r) => r.reason)).toEqual(["broken", "broken"]);

    // Replacements cannot connect through the partition: an acquire gives up at its timeout with an
    // error that says why (the pool could not connect), carrying the connect error as its cause.
    const acquireTimeoutMs = CONNECT_TIMEOUT_MS + 1_500; // long enough for one connect to time out first
    started = performance.now();
    const outcome = await settleWithin(
      manager.acquire({ timeoutMs: acquireTimeoutMs }),
      acquireTimeoutMs + SLACK_MS,
    );
    const acquireMs = performance.now() - started;
    if (outcome === "timeout" || outcome.ok)
      throw new Error(`acquire should have rejected, got ${String(outcome)}`);
    const error = outcome.error;
    expect(isAcquireTimeoutError(error)).toBe(true);
    if (!isAcquireTimeoutError(error)) return;
    expect(error.cannotConnect).toBe(true);
    expect(error.message).toMatch(/could not create a connection/);
    expect((error.cause as Error).message).toMatch(/^connect to /);
    expect((error.cause as Error).message).toContain(`did not finish within ${CONNECT_TIMEOUT_MS} ms`);
    expect(acquireMs).toBeGreaterThanOrEqual(acquireTimeoutMs - 50);
    expect(acquireMs).toBeLessThan(acquireTimeoutMs + SLACK_MS);
    const connectFailures = recorder.of("connection.connectFailed");
    expect(connectFailures.length).toBeGreaterThanOrEqual(1);
    for (const f of connectFailures) expect(f.durationMs).toBeLessThan(CONNECT_TIMEOUT_MS + SLACK_MS);

    // Healed: fresh connections replace the dead ones and work.
    proxy!.setMode("pass");
    const [seven] = await manager.executeWithRetry((db) => db.query<[number]>("RETURN 7"));
    expect(seven).toBe(7);
    await waitFor(
      () => manager!.healthStatus().connectionStates.ready === 2,
      () => `the pool should refill to 2 ready connections: ${JSON.stringify(manager!.healthStatus())}`,
    );
    const deadIds = new Set(failedPings.map((v) => v.connectionId));
    const leasedIds = recorder.of("lease.acquired").map((l) => l.connectionId);
    expect(leasedIds.some((id) => deadIds.has(id))).toBe(false);
    recorder.stop();
  });

  it("executeWithRetry on a partitioned endpoint gives up within its attempts' deadlines", async () => {
    // validateAfterIdleMs small: an idle connection is pinged before it is leased, so a dead socket is
    // caught by the ping's deadline rather than handed to the caller. (A connection leased sooner than
    // that after it went idle is handed out unchecked, and a query on it waits for the socket: the pool
    // puts no deadline on queries.)
    manager = await ConnectionManager.create(
      options({
        validateAfterIdleMs: VALIDATE_AFTER_IDLE_MS,
        retryPolicy: { maxAttempts: 2, initialBackoffMs: 10, maxBackoffMs: 20 },
      }),
    );
    const recorder = new EventRecorder(manager);
    proxy!.setMode("blackhole");
    await sleep(VALIDATE_AFTER_IDLE_MS * 2); // both idle connections are now due for a ping before leasing
    let calls = 0;
    const started = performance.now();
    const budgetMs = 2 * CONNECT_TIMEOUT_MS + SLACK_MS * 2;
    const outcome = await settleWithin(
      manager.executeWithRetry((db) => {
        calls++;
        return db.query("RETURN 1");
      }),
      budgetMs,
    );
    const elapsed = performance.now() - started;
    if (outcome === "timeout" || outcome.ok)
      throw new Error(`executeWithRetry should have rejected: ${String(outcome)}`);
    expect(isRetriesExhaustedError(outcome.error)).toBe(true);
    expect(isAcquireTimeoutError((outcome.error as Error).cause)).toBe(true);
    expect(calls).toBe(0); // no dead socket was ever handed out
    expect(elapsed).toBeLessThan(budgetMs);
    expect(recorder.of("operation.retried")).toHaveLength(1);
    expect(recorder.of("connection.validated").filter((v) => !v.ok).length).toBeGreaterThanOrEqual(1);
    recorder.stop();
  });
});
