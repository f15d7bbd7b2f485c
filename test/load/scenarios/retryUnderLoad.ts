import { type LoadReport, reportOf } from "../support/LoadReport.js";
import { createLoadManager } from "../support/loadManager.js";
import { PoolWatch } from "../support/PoolWatch.js";
import { runWorkers } from "../support/runWorkers.js";
import type { Tally } from "../support/Tally.js";
import { plannedFailures, transientFault } from "../support/transientFault.js";

export interface RetryUnderLoadSize {
  workers: number;
  opsPerWorker: number;
  durationMs: number;
  maxConnections: number;
  maxAttempts: number;
  /**
   * Failure periods: [7, 49] = every 7th operation fails its first attempt, every 49th its first two.
   * Keep the retries per operation (sum of 1/period) under the retry budget's 20%.
   */
  failEvery: number[];
}

export interface RetryUnderLoadReport extends LoadReport {
  tally: Tally;
  /** Operations by how many retries they needed: index = retries. */
  retryDistribution: number[];
  /** Retries the plan called for. */
  plannedRetries: number;
  /** Connections retired as broken (a connection-level failure discards its connection). */
  discarded: number;
  /** operation.succeeded events by their `attempts` field: index = attempts - 1. */
  attemptsByEvents: number[];
}

/**
 * Many workers through executeWithRetry while a planned share of attempts fails with a transient,
 * connection-level error. Every operation must succeed, each after exactly the planned retries; each
 * failed attempt's connection must be discarded and replaced; metrics must count the same retries.
 */
export async function retryUnderLoad(size: RetryUnderLoadSize): Promise<RetryUnderLoadReport> {
  const manager = await createLoadManager({
    minConnections: 5,
    maxConnections: size.maxConnections,
    retryPolicy: { maxAttempts: size.maxAttempts, initialBackoffMs: 1, maxBackoffMs: 8, multiplier: 2 },
  });
  try {
    const watch = new PoolWatch(manager);
    const attemptsByEvents: number[] = [];
    const sub = manager.events$.subscribe((e) => {
      if (e.type === "operation.succeeded")
        attemptsByEvents[e.attempts - 1] = (attemptsByEvents[e.attempts - 1] ?? 0) + 1;
    });
    const before = manager.metrics().snapshot();
    const started = performance.now();
    const retryDistribution: number[] = new Array(size.maxAttempts).fill(0);
    let plannedRetries = 0;
    const tally = await runWorkers(
      { workers: size.workers, maxOpsPerWorker: size.opsPerWorker, durationMs: size.durationMs },
      async (worker, i) => {
        const n = worker * size.opsPerWorker + i;
        const planned = plannedFailures(n, size.failEvery);
        plannedRetries += planned;
        let attempt = 0;
        await manager.executeWithRetry(async (db) => {
          attempt++;
          if (attempt <= planned) throw transientFault(n + attempt);
          return db.query("RETURN 1");
        });
        retryDistribution[attempt - 1]!++;
      },
    );
    const report = reportOf(manager, watch, before, started);
    sub.unsubscribe();
    const discarded = watch.retired.get("broken") ?? 0;
    watch.stop();
    return { ...report, tally, retryDistribution, plannedRetries, discarded, attemptsByEvents };
  } finally {
    await manager.shutdown({ timeoutMs: 2_000 });
  }
}
