import { isAcquireTimeoutError, isPoolSaturatedError, type Lease } from "../../../src/index.js";
import { type LoadReport, reportOf } from "../support/LoadReport.js";
import { createLoadManager } from "../support/loadManager.js";
import { PoolWatch } from "../support/PoolWatch.js";
import { until } from "../support/sleep.js";
import { Tally } from "../support/Tally.js";

export interface SaturationRecoverySize {
  cycles: number;
  maxConnections: number;
  /** maxWaitingClients: the queue's bound. */
  queueLimit: number;
  /** Of the queued acquires, this many have a short deadline and must time out. */
  impatient: number;
  /** Acquires made while the queue is full: each must fail at once with PoolSaturatedError. */
  overflow: number;
}

export interface SaturationRecoveryReport extends LoadReport {
  /** Outcomes of the queued (patient) acquires: all must succeed. */
  served: Tally;
  saturated: number;
  timedOut: number;
  /** Anything else that happened to the impatient and overflow acquires (must be empty). */
  unexpected: Tally;
  /** Per cycle: time from the first release of a held lease to the first waiter's lease (ms). */
  recoveryMs: number[];
  /** Queued acquires served out of their arrival order (must be 0: the queue is FIFO). */
  outOfOrder: number;
  /** After each cycle, a fresh acquire got a connection without queueing. */
  freshAcquireQueued: number;
}

/**
 * Saturate, overflow, recover, repeatedly: hold every connection, fill the wait queue to its limit
 * (some waiters with a deadline too short to be served), push more acquires into the full queue, then
 * release. Overflow must be refused at once, impatient waiters must time out, the rest must be served in
 * arrival order as soon as connections come back, and the pool must be usable again at once.
 */
export async function saturationRecovery(size: SaturationRecoverySize): Promise<SaturationRecoveryReport> {
  const manager = await createLoadManager({
    minConnections: size.maxConnections,
    maxConnections: size.maxConnections,
    maxWaitingClients: size.queueLimit,
  });
  try {
    const watch = new PoolWatch(manager);
    const before = manager.metrics().snapshot();
    const started = performance.now();
    const served = new Tally();
    const unexpected = new Tally();
    let saturated = 0;
    let timedOut = 0;
    let outOfOrder = 0;
    let freshAcquireQueued = 0;
    const recoveryMs: number[] = [];
    for (let cycle = 0; cycle < size.cycles; cycle++) {
      const held: Lease[] = await Promise.all(
        Array.from({ length: size.maxConnections }, () => manager.acquire()),
      );
      // Impatient waiters first, so the queue's head times out while the patient ones wait behind it.
      const impatient = Array.from({ length: size.impatient }, () =>
        manager.acquire({ timeoutMs: 30 }).then(
          async (lease) => {
            await lease.release();
            unexpected.fail(new Error("an impatient waiter was served while every connection was held"));
          },
          (error: unknown) => (isAcquireTimeoutError(error) ? timedOut++ : unexpected.fail(error)),
        ),
      );
      const order: number[] = [];
      let firstServedAt = 0;
      const patient = Array.from({ length: size.queueLimit - size.impatient }, (_, i) =>
        manager.acquire().then(async (lease) => {
          firstServedAt ||= performance.now();
          order.push(i);
          try {
            await lease.db.query("RETURN 1");
          } finally {
            await lease.release();
          }
        }),
      );
      await until(() => manager.healthStatus().waiting === size.queueLimit, "the queue should fill");
      const overflow = Array.from({ length: size.overflow }, () =>
        manager.acquire().then(
          async (lease) => {
            await lease.release();
            unexpected.fail(new Error("an acquire beyond maxWaitingClients was queued"));
          },
          (error: unknown) => (isPoolSaturatedError(error) ? saturated++ : unexpected.fail(error)),
        ),
      );
      await Promise.all([...impatient, ...overflow]);
      const releasedAt = performance.now();
      await Promise.all(held.map((lease) => lease.release()));
      const outcomes = await Promise.allSettled(patient);
      for (const outcome of outcomes) {
        if (outcome.status === "fulfilled") served.succeed();
        else served.fail(outcome.reason);
      }
      recoveryMs.push(firstServedAt - releasedAt);
      order.forEach((index, position) => {
        if (index !== position) outOfOrder++;
      });
      // Recovered: the next acquire is served from the idle stack, without queueing.
      const queuedBefore = watch.count("acquire.queued");
      const fresh = await manager.acquire();
      await fresh.release();
      freshAcquireQueued += watch.count("acquire.queued") - queuedBefore;
    }
    const report = reportOf(manager, watch, before, started);
    watch.stop();
    return {
      ...report,
      served,
      saturated,
      timedOut,
      unexpected,
      recoveryMs,
      outOfOrder,
      freshAcquireQueued,
    };
  } finally {
    await manager.shutdown({ timeoutMs: 2_000 });
  }
}
