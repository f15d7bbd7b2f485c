import { retryUnderLoad } from "../test/load/scenarios/retryUnderLoad.js";
import { cpuSince, readCpu } from "./cpuClock.js";
import { type Row, round, roundUs } from "./measure.js";

/** Every 7th operation fails its first attempt, every 49th its first two, every 343rd its first three. */
const FAIL_EVERY = [7, 49, 343];

/**
 * The seed's "100% success with 1-2 retries on transient failures", measured with the load suite's
 * retry scenario: 20 workers through executeWithRetry while a planned share of attempts fails with a
 * connection-level transient error (the SDK's ConnectionUnavailableError, or ECONNRESET); each failed
 * attempt's connection is discarded and replaced. Reports the success rate and how many operations
 * needed 0, 1, 2 or 3 retries. The seed's 100% is the baseline.
 */
export async function retrySuccess(quick: boolean): Promise<Row[]> {
  const workers = 20;
  const opsPerWorker = quick ? 50 : 500;
  const cpu = readCpu();
  const report = await retryUnderLoad({
    workers,
    opsPerWorker,
    durationMs: 60_000,
    maxConnections: 20,
    maxAttempts: 4,
    failEvery: FAIL_EVERY,
  });
  const used = cpuSince(cpu);
  const ops = workers * opsPerWorker;
  const success = report.tally.ok / ops;
  return [
    {
      bench: "retry-success",
      subject: "surreal-pool",
      baseline: "seed",
      unit: "%",
      subjectValue: round(success * 100),
      baselineValue: 100,
      ratio: round(success),
      target: "100% success",
      met: report.tally.ok === ops && report.tally.failed === 0,
      seedFigure: "100% with 1-2 retries",
      operations: ops,
      failed: report.tally.failed,
      retryDistribution: Object.fromEntries(report.retryDistribution.map((n, retries) => [retries, n])),
      retries: report.delta.retries,
      attemptsFailed: report.plannedRetries,
      connectionsDiscarded: report.discarded,
      opsPerSecond: round(report.tally.ok / (report.elapsedMs / 1_000)),
      // The whole scenario's CPU (the pool's set-up and shutdown too) over its operations: no baseline.
      cpuUsPerOp: roundUs(used.processUs / ops),
      faults: "every 7th op fails attempt 1, every 49th attempts 1-2, every 343rd attempts 1-3",
    },
  ];
}
