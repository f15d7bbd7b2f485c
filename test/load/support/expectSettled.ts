import { expect } from "vitest";
import type { LoadReport } from "./LoadReport.js";
import type { Tally } from "./Tally.js";

/**
 * The invariants every scenario ends with: the pool never held more than maxConnections (open plus
 * connecting, checked after every event), and once the load stopped no lease is out and no one waits,
 * both in the live bookkeeping and in the metrics fold.
 */
export function expectSettled(report: LoadReport): void {
  expect(report.peakSize, "open + connecting after any event").toBeLessThanOrEqual(report.maxConnections);
  expect(report.peakInUse).toBeLessThanOrEqual(report.maxConnections);
  const { health, metrics } = report.end;
  expect({ inUse: health.inUse, waiting: health.waiting }, "live bookkeeping at the end").toEqual({
    inUse: 0,
    waiting: 0,
  });
  expect({ inUse: metrics.inUse, waiting: metrics.waiting }, "metrics fold at the end").toEqual({
    inUse: 0,
    waiting: 0,
  });
  expect(report.delta.acquisitions, "every lease returned").toBe(report.delta.releases);
}

/** Every operation succeeded; on failure the message shows what failed and the first error of each kind. */
export function expectAllSucceeded(tally: Tally, expected?: number): void {
  const failures = tally.failuresByKind();
  const first = [...tally.samples.values()].map((e) => String((e as Error)?.stack ?? e)).join("\n---\n");
  expect(failures, `unexpected failures; first of each kind:\n${first}`).toEqual({});
  if (expected !== undefined) expect(tally.ok).toBe(expected);
}
