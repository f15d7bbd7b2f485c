import { type LoadReport, reportOf } from "../support/LoadReport.js";
import { createLoadManager } from "../support/loadManager.js";
import { PoolWatch } from "../support/PoolWatch.js";
import { runConcurrently, runWorkers } from "../support/runWorkers.js";
import { sleep, until } from "../support/sleep.js";
import { Tally } from "../support/Tally.js";

export interface BurstTrafficSize {
  bursts: number;
  /** Operations started at once in each spike. */
  burstSize: number;
  /** Time from one spike's start to the next. */
  periodMs: number;
  /** Quiet workers running throughout. */
  background: number;
  minConnections: number;
  maxConnections: number;
  /** Short, so the pool visibly shrinks between spikes. */
  idleTimeoutMs: number;
}

export interface BurstTrafficReport extends LoadReport {
  tally: Tally;
  background: Tally;
  /** Time from each spike's start until its last operation finished. */
  burstMs: number[];
  /** Highest number of waiters seen. */
  peakWaiting: number;
  /** How long after the load the pool took to shrink back to minConnections. */
  shrinkMs: number;
  sizeAfterShrink: number;
  idleRetirements: number;
}

/**
 * Periodic spikes over a quiet background: each spike asks for far more connections than the pool
 * has; between spikes the idle reaper shrinks the pool again. The pool must serve every spike, grow no
 * further than its bound, and return to its minimum afterwards.
 */
export async function burstTraffic(size: BurstTrafficSize): Promise<BurstTrafficReport> {
  const manager = await createLoadManager({
    minConnections: size.minConnections,
    maxConnections: size.maxConnections,
    idleTimeoutMs: size.idleTimeoutMs,
  });
  try {
    const watch = new PoolWatch(manager);
    const before = manager.metrics().snapshot();
    const started = performance.now();
    const stop = new AbortController();
    const read = async () => {
      const lease = await manager.acquire();
      try {
        await lease.db.query("RETURN 1");
      } finally {
        await lease.release();
      }
    };
    const background = runWorkers(
      {
        workers: size.background,
        durationMs: size.bursts * size.periodMs + 10_000,
        maxOpsPerWorker: 100_000,
        pauseMs: 5,
        signal: stop.signal,
      },
      read,
    );
    const tally = new Tally();
    const burstMs: number[] = [];
    for (let burst = 0; burst < size.bursts; burst++) {
      const spikeStart = performance.now();
      tally.add(await runConcurrently(size.burstSize, read));
      burstMs.push(performance.now() - spikeStart);
      await sleep(Math.max(0, size.periodMs - (performance.now() - spikeStart)));
    }
    stop.abort();
    const backgroundTally = await background;
    const report = reportOf(manager, watch, before, started);
    // With the load gone, idle connections above the minimum are reaped (bounded wait).
    const shrinkMs = await until(
      () => manager.healthStatus().poolSize === size.minConnections,
      `pool should shrink back to ${size.minConnections}: ${JSON.stringify(manager.healthStatus())}`,
      size.idleTimeoutMs * 4 + 3_000,
    );
    const peakWaiting = watch.peakWaiting;
    const idleRetirements = watch.retired.get("idle") ?? 0;
    watch.stop();
    return {
      ...report,
      tally,
      background: backgroundTally,
      burstMs,
      peakWaiting,
      shrinkMs,
      sizeAfterShrink: manager.healthStatus().poolSize,
      idleRetirements,
    };
  } finally {
    await manager.shutdown({ timeoutMs: 2_000 });
  }
}
