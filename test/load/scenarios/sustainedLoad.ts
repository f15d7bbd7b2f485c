import type { MetricsSnapshot } from "../../../src/index.js";
import { countersDelta, type LoadReport, reportOf } from "../support/LoadReport.js";
import { createLoadManager } from "../support/loadManager.js";
import { PoolWatch } from "../support/PoolWatch.js";
import { runWorkers } from "../support/runWorkers.js";
import type { Tally } from "../support/Tally.js";

export interface SustainedLoadSize {
  workers: number;
  durationMs: number;
  /** Cap per worker, so the loop is bounded in count as well as time. */
  maxOpsPerWorker: number;
  minConnections: number;
  maxConnections: number;
  /** Leading part of the run excluded from the reuse ratio (the pool grows to its working size there). */
  warmupMs: number;
}

export interface SustainedLoadReport extends LoadReport {
  tally: Tally;
  opsPerSecond: number;
  /** Longest time without a completed operation (a stall shows here). */
  maxGapMs: number;
  /** The seed's reused / (created + reused), counted after warm-up. */
  reuseAfterWarmup: number;
  /** Operations the test counted that needed a retry (fn invoked more than once). */
  retriedByCount: number;
}

/**
 * Continuous load: `workers` loops each running one short read after another through
 * executeWithRetry, for the whole duration. After warm-up the pool should only reuse connections.
 */
export async function sustainedLoad(size: SustainedLoadSize): Promise<SustainedLoadReport> {
  const manager = await createLoadManager({
    minConnections: size.minConnections,
    maxConnections: size.maxConnections,
  });
  try {
    await manager.executeWithRetry((db) => db.query("CREATE item:1 SET n = 1"));
    const watch = new PoolWatch(manager);
    const before = manager.metrics().snapshot();
    const started = performance.now();
    let afterWarmup: MetricsSnapshot | undefined;
    const warmupTimer = setTimeout(() => {
      afterWarmup = manager.metrics().snapshot();
    }, size.warmupMs);
    let retriedByCount = 0;
    const tally = await runWorkers(
      { workers: size.workers, durationMs: size.durationMs, maxOpsPerWorker: size.maxOpsPerWorker },
      async () => {
        let calls = 0;
        await manager.executeWithRetry((db) => {
          calls++;
          return db.query("SELECT n FROM item:1");
        });
        if (calls > 1) retriedByCount++;
      },
    );
    clearTimeout(warmupTimer);
    const elapsed = performance.now() - started;
    const report = reportOf(manager, watch, before, started);
    watch.stop();
    const sinceWarmup = countersDelta(afterWarmup ?? before, report.end.metrics);
    return {
      ...report,
      tally,
      opsPerSecond: tally.ok / (elapsed / 1_000),
      maxGapMs: tally.maxGapMs(started),
      reuseAfterWarmup:
        sinceWarmup.connectionsReused / (sinceWarmup.connectionsCreated + sinceWarmup.connectionsReused),
      retriedByCount,
    };
  } finally {
    await manager.shutdown({ timeoutMs: 2_000 });
  }
}
