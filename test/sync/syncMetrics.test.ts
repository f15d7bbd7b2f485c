import { describe, expect, it } from "vitest";
import type { PoolEvent } from "../../src/events/PoolEvent.js";
import { copyMetrics, foldMetrics } from "../../src/observers/metrics.js";

const R = "ws://db-1:8000";
const lag = { lagRecords: 0, lagMore: false, lagMs: 0 };

describe("sync metrics (a fold of sync.* events)", () => {
  it("counts passes, records, batches, failures and the last success per remote", () => {
    const events: PoolEvent[] = [
      { type: "sync.started", ts: 1, remote: R, pass: 1, trigger: "start" },
      {
        type: "sync.resynced",
        ts: 2,
        remote: R,
        pass: 1,
        reason: "initial",
        tables: 1,
        records: 4,
        deleted: 0,
        durationMs: 1,
      },
      {
        type: "sync.batch",
        ts: 3,
        remote: R,
        pass: 1,
        records: 5,
        upserts: 4,
        deletes: 1,
        fromVersionstamp: "1",
        toVersionstamp: "2",
        durationMs: 1,
      },
      {
        type: "sync.completed",
        ts: 4,
        remote: R,
        pass: 1,
        trigger: "start",
        records: 9,
        batches: 2,
        durationMs: 3,
        ackedVersionstamp: "2",
        ...lag,
      },
      { type: "sync.started", ts: 5, remote: R, pass: 2, trigger: "interval" },
      {
        type: "sync.failed",
        ts: 6,
        remote: R,
        pass: 2,
        trigger: "interval",
        error: new Error("down"),
        consecutiveFailures: 1,
        retryInMs: 100,
        records: 2,
        batches: 1,
        durationMs: 5,
        lagRecords: 7,
        lagMore: true,
        lagMs: 1_500,
      },
      { type: "sync.stopped", ts: 7, remote: R },
    ];
    const m = foldMetrics(events);
    expect(m).toMatchObject({
      syncPasses: 2,
      syncFailures: 1,
      syncRecordsShipped: 11,
      syncBatches: 3,
      syncResyncs: 1,
    });
    expect(m.syncRemotes[R]).toEqual({
      recordsShipped: 11,
      batches: 3,
      passes: 2,
      failures: 1,
      consecutiveFailures: 1,
      lastSuccessAt: 4,
      lagRecords: 7,
      lagMore: true,
      lagMs: 1_500,
    });
  });

  it("hands out copies: a snapshot does not change under the caller", () => {
    const m = foldMetrics([
      {
        type: "sync.completed",
        ts: 1,
        remote: R,
        pass: 1,
        trigger: "manual",
        records: 1,
        batches: 1,
        durationMs: 1,
        ackedVersionstamp: "1",
        ...lag,
      },
    ]);
    const copy = copyMetrics(m);
    m.syncRemotes[R]!.recordsShipped = 99;
    expect(copy.syncRemotes[R]!.recordsShipped).toBe(1);
  });
});
