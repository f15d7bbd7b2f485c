import { isAcquireAbortedError } from "../../../src/index.js";
import { type LoadReport, reportOf } from "../support/LoadReport.js";
import { createLoadManager } from "../support/loadManager.js";
import { PoolWatch } from "../support/PoolWatch.js";
import { runWorkers } from "../support/runWorkers.js";
import { until } from "../support/sleep.js";
import type { Tally } from "../support/Tally.js";

export interface ConnectionChurnSize {
  workers: number;
  iterationsPerWorker: number;
  durationMs: number;
  minConnections: number;
  maxConnections: number;
  /** Connections retire after this many leases, so the pool keeps replacing them. */
  maxUses: number;
  /** Every n-th lease is discarded (given up as broken) instead of released. */
  discardEvery: number;
  /** Every n-th acquire comes with an already-aborted signal and must fail with AcquireAbortedError. */
  abortEvery: number;
  /** Every n-th lease runs a query (the rest are acquire/release only: pure churn). */
  queryEvery: number;
}

export interface ConnectionChurnReport extends LoadReport {
  tally: Tally;
  leases: number;
  discarded: number;
  aborted: number;
  retiredBroken: number;
  retiredMaxUses: number;
  /** Pool size once the refill after the churn settled. */
  refilledSize: number;
}

/**
 * Rapid acquire/release with connections constantly leaving (discarded, worn out by maxUses) and
 * acquires given up before they start. Every lease must come back, every departure must be replaced,
 * and the counts of events, metrics and the test must agree.
 */
export async function connectionChurn(size: ConnectionChurnSize): Promise<ConnectionChurnReport> {
  const manager = await createLoadManager({
    minConnections: size.minConnections,
    maxConnections: size.maxConnections,
    maxUses: size.maxUses,
  });
  try {
    const watch = new PoolWatch(manager);
    const before = manager.metrics().snapshot();
    const started = performance.now();
    const aborted = AbortSignal.abort(new Error("given up before it started"));
    let leases = 0;
    let discarded = 0;
    let abortedCount = 0;
    const tally = await runWorkers(
      { workers: size.workers, durationMs: size.durationMs, maxOpsPerWorker: size.iterationsPerWorker },
      async (worker, i) => {
        const n = worker * size.iterationsPerWorker + i;
        if (n % size.abortEvery === 0) {
          try {
            await manager.acquire({ signal: aborted });
          } catch (error) {
            if (!isAcquireAbortedError(error)) throw error;
            abortedCount++;
            return;
          }
          throw new Error("an acquire with an aborted signal got a lease");
        }
        const lease = await manager.acquire();
        leases++;
        if (n % size.queryEvery === 0) await lease.db.query("RETURN 1");
        if (n % size.discardEvery === 0) {
          discarded++;
          await lease.discard();
        } else {
          await lease.release();
        }
      },
    );
    const report = reportOf(manager, watch, before, started);
    // Every connection that left is replaced up to the minimum (bounded wait).
    await until(
      () => manager.healthStatus().poolSize >= size.minConnections,
      `pool should refill to ${size.minConnections}`,
    );
    const result = {
      ...report,
      tally,
      leases,
      discarded,
      aborted: abortedCount,
      retiredBroken: watch.retired.get("broken") ?? 0,
      retiredMaxUses: watch.retired.get("maxUses") ?? 0,
      refilledSize: manager.healthStatus().poolSize,
    };
    watch.stop();
    return result;
  } finally {
    await manager.shutdown({ timeoutMs: 2_000 });
  }
}
