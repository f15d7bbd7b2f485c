import { describe, expect, it } from "vitest";
import { pick, timeoutFor } from "./loadSize.js";
import { retryUnderLoad } from "./scenarios/retryUnderLoad.js";
import { expectAllSucceeded, expectSettled } from "./support/expectSettled.js";

const size = pick(
  {
    workers: 20,
    opsPerWorker: 100,
    durationMs: 15_000,
    maxConnections: 10,
    maxAttempts: 4,
    failEvery: [7, 49, 343],
  },
  {
    workers: 20,
    opsPerWorker: 2_000,
    durationMs: 120_000,
    maxConnections: 20,
    maxAttempts: 4,
    failEvery: [7, 49, 343],
  },
);

describe("load: retry under load (injected transient faults)", () => {
  it(
    `${size.workers} workers x ${size.opsPerWorker} ops, attempts failing every ${size.failEvery.join("/")}`,
    async () => {
      const report = await retryUnderLoad(size);
      const ops = size.workers * size.opsPerWorker;
      // 100% success: every operation, including those that needed up to maxAttempts - 1 retries.
      expectAllSucceeded(report.tally, ops);
      expectSettled(report);
      const retries = report.retryDistribution.reduce((sum, count, r) => sum + count * r, 0);
      expect(retries).toBe(report.plannedRetries);
      expect(report.retryDistribution.slice(1).every((n) => n > 0)).toBe(true);
      // The metrics and the events tell the same story as the test.
      expect(report.delta.retries).toBe(report.plannedRetries);
      expect(report.delta.successes).toBe(ops);
      expect(report.delta.errors).toBe(0);
      expect(report.attemptsByEvents).toEqual(report.retryDistribution);
      // Each failed attempt was connection-level: its connection was discarded, and replaced.
      expect(report.discarded).toBe(report.plannedRetries);
      expect(report.delta.acquisitions).toBe(ops + report.plannedRetries);
      const m = report.end.metrics;
      expect(m.connectionsCreated - m.connectionsClosed).toBe(m.size);
    },
    timeoutFor(20_000, 180_000),
  );
});
