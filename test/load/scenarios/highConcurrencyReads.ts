import { type LoadReport, reportOf } from "../support/LoadReport.js";
import { createLoadManager } from "../support/loadManager.js";
import { PoolWatch } from "../support/PoolWatch.js";
import { runConcurrently } from "../support/runWorkers.js";
import { Tally } from "../support/Tally.js";

export interface HighConcurrencyReadsSize {
  /** Tasks started at once in each round. */
  tasks: number;
  rounds: number;
  maxConnections: number;
  /** Rows seeded and read back. */
  rows: number;
}

export interface HighConcurrencyReadsReport extends LoadReport {
  tally: Tally;
  /** Reads that returned the wrong row (must be 0). */
  wrongRows: number;
  /** Acquires that had to wait in the queue (proves there was contention). */
  queued: number;
}

/**
 * Far more concurrent readers than connections: each task leases a connection, reads one seeded row by
 * id and checks it is the right one. Every task must finish, and the pool must stay within its bound.
 */
export async function highConcurrencyReads(
  size: HighConcurrencyReadsSize,
): Promise<HighConcurrencyReadsReport> {
  const manager = await createLoadManager({ minConnections: 2, maxConnections: size.maxConnections });
  try {
    await manager.executeWithRetry((db) =>
      db.query("FOR $i IN 0..$n { CREATE type::record('item', $i) SET n = $i }", { n: size.rows }),
    );
    const watch = new PoolWatch(manager);
    const before = manager.metrics().snapshot();
    const started = performance.now();
    const tally = new Tally();
    let wrongRows = 0;
    for (let round = 0; round < size.rounds; round++) {
      const roundTally = await runConcurrently(size.tasks, async (i) => {
        const n = (round * size.tasks + i) % size.rows;
        const lease = await manager.acquire();
        try {
          const [row] = await lease.db.query<[{ n: number } | undefined]>(
            "SELECT VALUE { n: n } FROM ONLY type::record('item', $n)",
            { n },
          );
          if (row?.n !== n) wrongRows++;
        } finally {
          await lease.release();
        }
      });
      tally.add(roundTally);
    }
    const report = reportOf(manager, watch, before, started);
    watch.stop();
    return { ...report, tally, wrongRows, queued: watch.count("acquire.queued") };
  } finally {
    await manager.shutdown({ timeoutMs: 2_000 });
  }
}
