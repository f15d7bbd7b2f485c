import { describe, expect, it } from "vitest";
import { pick, timeoutFor } from "./loadSize.js";
import { connectionChurn } from "./scenarios/connectionChurn.js";
import { expectAllSucceeded, expectSettled } from "./support/expectSettled.js";

const shape = { discardEvery: 25, abortEvery: 30, queryEvery: 5 };
const size = pick(
  {
    ...shape,
    workers: 10,
    iterationsPerWorker: 400,
    durationMs: 5_000,
    minConnections: 2,
    maxConnections: 8,
    maxUses: 50,
  },
  {
    ...shape,
    workers: 20,
    iterationsPerWorker: 10_000,
    durationMs: 60_000,
    minConnections: 2,
    maxConnections: 8,
    maxUses: 50,
  },
);

describe("load: connection churn", () => {
  it(
    `${size.workers} workers x ${size.iterationsPerWorker} rapid acquire/release, discards, aborts and maxUses`,
    async () => {
      const report = await connectionChurn(size);
      // Aborted acquires are the expected, typed failure: they are counted as outcomes, not errors.
      expectAllSucceeded(report.tally);
      expect(report.tally.ok).toBe(report.leases + report.aborted);
      expect(report.aborted).toBeGreaterThan(0);
      expectSettled(report);
      // Test, events and metrics agree on every lease, abort and departure.
      expect(report.delta.acquisitions).toBe(report.leases);
      expect(report.delta.releases).toBe(report.leases);
      expect(report.delta.acquireAborts).toBe(report.aborted);
      expect(report.retiredBroken).toBe(report.discarded);
      expect(report.retiredMaxUses).toBeGreaterThan(0);
      const m = report.end.metrics;
      expect(m.connectionsCreated - m.connectionsClosed).toBe(m.size);
      expect(report.refilledSize).toBeGreaterThanOrEqual(size.minConnections);
    },
    timeoutFor(20_000, 180_000),
  );
});
