import { describe, expect, it } from "vitest";
import { pick, timeoutFor } from "./loadSize.js";
import { highConcurrencyReads } from "./scenarios/highConcurrencyReads.js";
import { expectAllSucceeded, expectSettled } from "./support/expectSettled.js";

const size = pick(
  { tasks: 200, rounds: 3, maxConnections: 10, rows: 50 },
  { tasks: 1_000, rounds: 10, maxConnections: 20, rows: 500 },
);

describe("load: high-concurrency reads", () => {
  it(
    `${size.tasks} concurrent readers x ${size.rounds} rounds on ${size.maxConnections} connections`,
    async () => {
      const report = await highConcurrencyReads(size);
      const expected = size.tasks * size.rounds;
      expectAllSucceeded(report.tally, expected);
      expect(report.wrongRows).toBe(0);
      expectSettled(report);
      // Every task was one lease, and the metrics counted exactly those.
      expect(report.delta.acquisitions).toBe(expected);
      expect(report.delta.acquireTimeouts).toBe(0);
      // Far more tasks than connections: most waited, and the pool grew to its bound and no further.
      expect(report.queued).toBeGreaterThan(0);
      expect(report.peakInUse).toBe(size.maxConnections);
    },
    timeoutFor(20_000, 120_000),
  );
});
