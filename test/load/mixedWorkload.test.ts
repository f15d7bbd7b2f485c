import { describe, expect, it } from "vitest";
import { pick, timeoutFor } from "./loadSize.js";
import { mixedWorkload } from "./scenarios/mixedWorkload.js";
import { expectAllSucceeded, expectSettled } from "./support/expectSettled.js";

const shape = { hotKeys: 5, incrementsPer10: 2, hotWritesPer10: 1, insertsPer10: 1, maxAttempts: 10 };
const size = pick(
  { ...shape, workers: 20, durationMs: 2_000, maxOpsPerWorker: 5_000, maxConnections: 20 },
  { ...shape, workers: 20, durationMs: 30_000, maxOpsPerWorker: 100_000, maxConnections: 20 },
);

describe("load: mixed read/write workload", () => {
  it(
    `${size.workers} workers: 60% reads, 20% increments, 10% overwrites of ${size.hotKeys} hot records, 10% inserts`,
    async () => {
      const report = await mixedWorkload(size);
      expectAllSucceeded(report.tally);
      const increments = report.increments.reduce((a, b) => a + b, 0);
      expect(report.tally.ok).toBe(report.reads + increments + report.hotWrites + report.inserts);
      expectSettled(report);
      // Nothing lost, nothing applied twice: conflicted writes were rolled back and rerun exactly once.
      expect(report.counters).toEqual(report.increments);
      expect(report.insertedRows).toBe(report.inserts);
      expect(report.impossibleReads).toBe(0);
      // The metrics counted the same operations and reruns as the test.
      expect(report.delta.successes).toBe(report.tally.ok);
      expect(report.delta.errors).toBe(0);
      expect(report.delta.retries).toBe(report.reruns);
      expect(report.reads).toBeGreaterThan(increments);
    },
    timeoutFor(20_000, 120_000),
  );
});
