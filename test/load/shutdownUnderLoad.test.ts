import { describe, expect, it } from "vitest";
import { pick, timeoutFor } from "./loadSize.js";
import { type ShutdownUnderLoadReport, shutdownUnderLoad } from "./scenarios/shutdownUnderLoad.js";

const size = pick(
  { leaseWorkers: 16, retryWorkers: 8, maxConnections: 8, loadMs: 500, holdMs: 5, drainTimeoutMs: 2_000 },
  {
    leaseWorkers: 40,
    retryWorkers: 20,
    maxConnections: 20,
    loadMs: 10_000,
    holdMs: 5,
    drainTimeoutMs: 5_000,
  },
);

/** Every call either succeeded or was refused with PoolClosedError; nothing else, nothing lost. */
function expectOnlyRefusals(report: ShutdownUnderLoadReport) {
  for (const tally of [report.leasing, report.retrying]) {
    expect(tally.failuresByKind()).toEqual({ POOL_CLOSED: tally.failed });
    expect(tally.ok).toBeGreaterThan(0);
  }
  expect(report.leasing.failed + report.retrying.failed).toBeGreaterThan(0);
}

/** After shutdown: closed, events$ completed, and the metrics fold balances to an empty pool. */
function expectClosedAndBalanced(report: ShutdownUnderLoadReport) {
  expect(report.peakSize).toBeLessThanOrEqual(report.maxConnections);
  expect(report.stateAfter).toBe("closed");
  expect(report.completed).toBe(true);
  const m = report.metrics;
  expect(m).toMatchObject({ inUse: 0, waiting: 0, size: 0, pending: 0, checking: 0, retiring: 0 });
  expect(m.acquisitions).toBe(m.releases);
  expect(m.connectionsCreated).toBe(m.connectionsClosed);
  // executeWithRetry does not retry a closed pool: each refused call is one failed operation.
  expect(m.retries).toBe(0);
  expect(m.errors).toBe(report.retrying.failed);
  expect(m.successes).toBe(report.retrying.ok);
}

describe("load: graceful shutdown under load", () => {
  it(
    `${size.leaseWorkers} lease + ${size.retryWorkers} retry workers; shutdown after ${size.loadMs} ms drains them all`,
    async () => {
      const report = await shutdownUnderLoad({ ...size, straggler: false });
      expectOnlyRefusals(report);
      expectClosedAndBalanced(report);
      // Work in flight when shutdown() came finished inside the drain timeout; nothing was taken back.
      expect(report.finishedDuringDrain).toBeGreaterThan(0);
      expect(report.shutdown.abandoned).toEqual([]);
      expect(report.revokedReleaseEvents).toBe(0);
      expect(report.shutdown.durationMs).toBeLessThan(size.drainTimeoutMs);
    },
    timeoutFor(20_000, 120_000),
  );

  it(
    "a lease held past the drain timeout is taken back, reported, and refuses further use",
    async () => {
      const report = await shutdownUnderLoad({ ...size, loadMs: 300, drainTimeoutMs: 300, straggler: true });
      expectOnlyRefusals(report);
      expectClosedAndBalanced(report);
      expect(report.shutdown.abandoned).toHaveLength(1);
      expect(report.revokedReleaseEvents).toBe(1);
      expect(report.stragglerRevoked).toBe(true);
    },
    timeoutFor(20_000, 60_000),
  );
});
