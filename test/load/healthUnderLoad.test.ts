import { describe, expect, it } from "vitest";
import { pick, timeoutFor } from "./loadSize.js";
import { healthUnderLoad } from "./scenarios/healthUnderLoad.js";
import { expectAllSucceeded, expectSettled } from "./support/expectSettled.js";

const size = pick(
  {
    workers: 16,
    durationMs: 1_500,
    maxOpsPerWorker: 5_000,
    minConnections: 20,
    maxConnections: 20,
    healthEveryMs: 5,
  },
  {
    workers: 16,
    durationMs: 20_000,
    maxOpsPerWorker: 100_000,
    minConnections: 20,
    maxConnections: 20,
    healthEveryMs: 5,
  },
);

describe("load: health monitoring under load", () => {
  it(
    `health passes every ${size.healthEveryMs} ms while ${size.workers} workers load ${size.maxConnections} connections`,
    async () => {
      const report = await healthUnderLoad(size);
      expectAllSucceeded(report.tally);
      expectSettled(report);
      expect(report.passes).toBeGreaterThan(10);
      // Fewer workers than connections: the passes found idle connections to ping, many times over.
      expect(report.passed).toBeGreaterThan(report.passes);
      expect(report.failed).toBe(0);
      expect(report.unhealthyReads).toBe(0);
      expect(report.leasesWhileValidating).toBe(0);
      // Only health passes ping here (validate-before-lease is off): the metrics counted exactly those.
      expect(report.delta.healthChecksPassed).toBe(report.passed);
      expect(report.delta.healthChecksFailed).toBe(0);
      expect(report.validatedEvents).toBe(report.passed);
      expect(report.end.metrics.checking).toBe(0);
      // The checker's own loop is one op per pass in the tally; the workers' leases are the rest.
      expect(report.delta.acquisitions).toBe(report.tally.ok - report.passes);
    },
    timeoutFor(20_000, 120_000),
  );
});
