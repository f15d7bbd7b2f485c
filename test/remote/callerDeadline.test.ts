// A caller's own short deadline is not its endpoint's failure: slow queries that pass a small `timeoutMs`
// fail with OperationTimeoutError for that caller only; the endpoint's breaker stays closed and every other
// caller keeps being served, through `query()` (shared sessions) and `executeWithRetry` (leases) alike.
// Whether the endpoint itself still answers is decided by checking the connection (a ping), not by the
// caller's patience.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isOperationTimeoutError, isRetriesExhaustedError } from "../../src/index.js";
import { ConnectionManager } from "../../src/manager/ConnectionManager.js";
import type { EndpointHandle } from "../support/endpoint.js";
import { closeAll, ROOT, startEndpoints } from "./helpers.js";

const SLOW = "SLEEP 400ms; RETURN 'slow'";
const IMPATIENT = 6;

describe("a caller's own deadline and the endpoint's breaker", () => {
  let endpoints: EndpointHandle[] = [];

  beforeAll(async () => {
    endpoints = await startEndpoints(1);
  });
  afterAll(async () => {
    await closeAll(undefined, [], endpoints);
  });

  for (const where of ["ws", "mem"] as const) {
    it(`${where}: impatient callers time out alone; the breaker stays closed and others are served`, async () => {
      const manager = await ConnectionManager.create({
        mode: { kind: "local", endpoint: where === "ws" ? endpoints[0]!.url : "mem://" },
        ...(where === "ws" ? { credentials: ROOT } : {}),
        namespace: "test",
        database: "test",
        circuitBreaker: { failureThreshold: 3, resetTimeoutMs: 60_000 },
        pool: {
          minConnections: 2,
          maxConnections: 8,
          healthCheckIntervalMs: 600_000,
          retryPolicy: { maxAttempts: 2, initialBackoffMs: 5, maxBackoffMs: 20, multiplier: 2 },
        },
      });
      try {
        // Concurrently: impatient callers through both paths, and patient ones beside them.
        const impatient = Array.from({ length: IMPATIENT }, (_, i) =>
          i % 2 === 0
            ? manager.query(SLOW, {}, { timeoutMs: 50 })
            : manager.executeWithRetry((db) => db.query(SLOW), { timeoutMs: 50 }),
        );
        const patient = Array.from({ length: 4 }, (_, i) => manager.query<[number]>(`RETURN ${i}`));
        const failed = await Promise.allSettled(impatient);
        for (const outcome of failed) {
          expect(outcome.status).toBe("rejected");
          const error = (outcome as PromiseRejectedResult).reason as Error;
          expect(isRetriesExhaustedError(error), String(error)).toBe(true);
          expect(isOperationTimeoutError(error.cause), String(error.cause)).toBe(true);
        }
        expect((await Promise.all(patient)).map(([n]) => n)).toEqual([0, 1, 2, 3]);
        // 12 attempts past their callers' deadlines, threshold 3: not one counted against the endpoint.
        expect(manager.breakers()[0]).toMatchObject({ state: "closed", failures: 0 });
        const after = await Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            i % 2 === 0
              ? manager.query<[number]>(`RETURN ${i}`)
              : manager.executeWithRetry((db) => db.query<[number]>(`RETURN ${i}`)),
          ),
        );
        expect(after.map(([n]) => n)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
        expect(manager.breakers()[0]!.state).toBe("closed");
      } finally {
        await manager.shutdown({ timeoutMs: 3_000 });
      }
    }, 30_000);
  }
});
