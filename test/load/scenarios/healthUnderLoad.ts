import { type LoadReport, reportOf } from "../support/LoadReport.js";
import { createLoadManager } from "../support/loadManager.js";
import { PoolWatch } from "../support/PoolWatch.js";
import { runWorkers } from "../support/runWorkers.js";
import type { Tally } from "../support/Tally.js";

export interface HealthUnderLoadSize {
  workers: number;
  durationMs: number;
  maxOpsPerWorker: number;
  /** Fewer workers than connections, so every pass finds idle connections to ping. */
  minConnections: number;
  maxConnections: number;
  /** Pause between health passes; each pass pings every idle connection. */
  healthEveryMs: number;
}

export interface HealthUnderLoadReport extends LoadReport {
  tally: Tally;
  passes: number;
  passed: number;
  failed: number;
  /** healthStatus() read between passes that did not say healthy (must be 0). */
  unhealthyReads: number;
  /** Leases handed out on a connection in the middle of its ping (must be 0). */
  leasesWhileValidating: number;
  /** connection.validated events seen. */
  validatedEvents: number;
}

/**
 * Health passes back to back while workers keep every connection busy: a pass takes the idle
 * connections out, pings them and puts each back as its ping answers. No worker may fail, no ping may
 * fail, a connection being pinged must never be leased, and the metrics must count exactly the pings.
 */
export async function healthUnderLoad(size: HealthUnderLoadSize): Promise<HealthUnderLoadReport> {
  const manager = await createLoadManager({
    minConnections: size.minConnections,
    maxConnections: size.maxConnections,
  });
  try {
    const watch = new PoolWatch(manager);
    const before = manager.metrics().snapshot();
    const started = performance.now();
    const stop = new AbortController();
    let passes = 0;
    let passed = 0;
    let failed = 0;
    let unhealthyReads = 0;
    const checker = runWorkers(
      {
        workers: 1,
        durationMs: size.durationMs + 1_000,
        maxOpsPerWorker: 100_000,
        pauseMs: size.healthEveryMs,
        signal: stop.signal,
      },
      async () => {
        const result = await manager.healthCheck();
        passes++;
        passed += result.passed;
        failed += result.failed;
        if (!manager.healthStatus().healthy) unhealthyReads++;
      },
    );
    const tally = await runWorkers(
      { workers: size.workers, durationMs: size.durationMs, maxOpsPerWorker: size.maxOpsPerWorker },
      async () => {
        const lease = await manager.acquire();
        try {
          await lease.db.query("RETURN 1");
        } finally {
          await lease.release();
        }
      },
    );
    stop.abort();
    const checkerTally = await checker;
    tally.add(checkerTally);
    const report = reportOf(manager, watch, before, started);
    const result = {
      ...report,
      tally,
      passes,
      passed,
      failed,
      unhealthyReads,
      leasesWhileValidating: watch.leasesWhileValidating,
      validatedEvents: watch.count("connection.validated"),
    };
    watch.stop();
    return result;
  } finally {
    await manager.shutdown({ timeoutMs: 2_000 });
  }
}
