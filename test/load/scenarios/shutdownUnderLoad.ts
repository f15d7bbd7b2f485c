import {
  isLeaseReleasedError,
  isPoolClosedError,
  type MetricsSnapshot,
  type ShutdownReport,
} from "../../../src/index.js";
import { createLoadManager } from "../support/loadManager.js";
import { PoolWatch } from "../support/PoolWatch.js";
import { runWorkers } from "../support/runWorkers.js";
import { sleep } from "../support/sleep.js";
import type { Tally } from "../support/Tally.js";

export interface ShutdownUnderLoadSize {
  /** Workers leasing a connection, holding it across two queries with a pause between. */
  leaseWorkers: number;
  /** Workers going through executeWithRetry. */
  retryWorkers: number;
  maxConnections: number;
  /** Load before shutdown() is called. */
  loadMs: number;
  /** Pause inside each lease (work in progress when the shutdown comes). */
  holdMs: number;
  drainTimeoutMs: number;
  /** A lease held past the drain timeout: shutdown must take it back and report it. */
  straggler: boolean;
}

export interface ShutdownUnderLoadReport {
  maxConnections: number;
  peakSize: number;
  peakInUse: number;
  /** Outcomes of the lease workers and of the executeWithRetry workers. */
  leasing: Tally;
  retrying: Tally;
  /** Leases whose work finished (both queries ran) after shutdown() was called. */
  finishedDuringDrain: number;
  shutdown: ShutdownReport;
  /** events$ completed. */
  completed: boolean;
  metrics: MetricsSnapshot;
  stateAfter: string;
  /** The straggler's `db` after the shutdown took its lease back threw LeaseReleasedError. */
  stragglerRevoked: boolean | undefined;
  revokedReleaseEvents: number;
}

/**
 * Shutdown while workers are busy: leases in flight must finish their work within the drain timeout,
 * queued and new acquires must fail with PoolClosedError (and executeWithRetry must not retry it),
 * everything must close, and events$ must complete with a metrics fold that balances. With a
 * straggler, the lease held past the timeout is taken back, reported, and refuses further use.
 */
export async function shutdownUnderLoad(size: ShutdownUnderLoadSize): Promise<ShutdownUnderLoadReport> {
  const manager = await createLoadManager({ minConnections: 2, maxConnections: size.maxConnections });
  const watch = new PoolWatch(manager);
  let revokedReleaseEvents = 0;
  manager.events$.subscribe((e) => {
    if (e.type === "lease.released" && e.revoked) revokedReleaseEvents++;
  });
  // A worker refused by the closed pool stops every worker: no loop spins on refusals.
  const closed = new AbortController();
  const stopOnClosed = async (op: () => Promise<unknown>) => {
    try {
      await op();
    } catch (error) {
      if (isPoolClosedError(error)) closed.abort();
      throw error;
    }
  };
  let shutdownCalled = false;
  let finishedDuringDrain = 0;
  const leaseLoop = (ms: number) => async () => {
    const lease = await manager.acquire();
    try {
      await lease.db.query("RETURN 1");
      await sleep(ms);
      await lease.db.query("RETURN 2");
      if (shutdownCalled) finishedDuringDrain++;
    } finally {
      await lease.release();
    }
  };
  const bounds = {
    durationMs: size.loadMs + size.drainTimeoutMs + 5_000,
    maxOpsPerWorker: 1_000_000,
    signal: closed.signal,
  };
  const leasing = runWorkers({ ...bounds, workers: size.leaseWorkers }, () =>
    stopOnClosed(leaseLoop(size.holdMs)),
  );
  const retrying = runWorkers({ ...bounds, workers: size.retryWorkers }, () =>
    stopOnClosed(() => manager.executeWithRetry((db) => db.query("RETURN 3"))),
  );
  let straggler: Promise<boolean> | undefined;
  if (size.straggler) {
    const lease = await manager.acquire();
    straggler = sleep(size.drainTimeoutMs + 500).then(() => {
      try {
        void lease.db;
        return false;
      } catch (error) {
        return isLeaseReleasedError(error);
      } finally {
        void lease.release();
      }
    });
  }
  await sleep(size.loadMs);
  shutdownCalled = true;
  const report = await manager.shutdown({ timeoutMs: size.drainTimeoutMs });
  // The workers stop on their own: the first acquire refused after the shutdown stops them all.
  const [leasingTally, retryingTally] = await Promise.all([leasing, retrying]);
  const stragglerRevoked = await straggler;
  watch.stop();
  return {
    maxConnections: size.maxConnections,
    peakSize: watch.peakSize,
    peakInUse: watch.peakInUse,
    leasing: leasingTally,
    retrying: retryingTally,
    finishedDuringDrain,
    shutdown: report,
    completed: watch.completed,
    metrics: manager.metrics().snapshot(),
    stateAfter: manager.healthStatus().state,
    stragglerRevoked,
    revokedReleaseEvents,
  };
}
