import genericPool from "generic-pool";
import { type Row, ratioRow, timeLoop } from "./measure.js";
import { ConnectionManager } from "./pool.js";

/**
 * Queued hand-off: every connection held, K acquires waiting; each release serves the oldest waiter,
 * which releases at once. Per op: one release and one waiter served. Both pools hold one ready
 * resource; generic-pool without an acquire timeout (ours always arms the waiter's deadline).
 */
export async function handoff(quick: boolean): Promise<Row[]> {
  const waiterCounts = quick ? [1_000, 10_000] : [1_000, 10_000, 100_000];
  const rounds = quick ? 5 : 7;
  // A round of 1,000 hand-offs lasts a few milliseconds, shorter than one scavenge or a JIT tier-up:
  // each round repeats the K-waiter cycle until at least this many hand-offs ran.
  const minOpsPerRound = quick ? 20_000 : 100_000;
  const manager = await ConnectionManager.create({
    pool: {
      minConnections: 1,
      maxConnections: 1,
      validateAfterIdleMs: 600_000,
      connectionTimeoutMs: 600_000,
    },
  });
  const generic = genericPool.createPool(
    { create: async () => ({}), destroy: async () => {} },
    { min: 1, max: 1, maxWaitingClients: 1_000_000 },
  );
  await generic.ready();
  const rows: Row[] = [];
  for (const k of waiterCounts) {
    const cycles = {
      "surreal-pool": async (waiters: number) => {
        const first = await manager.acquire();
        const served = Array.from({ length: waiters }, () =>
          manager.acquire().then((lease) => lease.release()),
        );
        await first.release();
        await Promise.all(served);
      },
      "generic-pool": async (waiters: number) => {
        const first = await generic.acquire();
        const served = Array.from({ length: waiters }, () =>
          generic.acquire().then((r) => generic.release(r)),
        );
        await generic.release(first);
        await Promise.all(served);
      },
    };
    const repeated = (cycle: (waiters: number) => Promise<void>) => async (n: number) => {
      for (let done = 0; done < n; done += k) await cycle(Math.min(k, n - done));
    };
    const subjects = {
      "surreal-pool": repeated(cycles["surreal-pool"]),
      "generic-pool": repeated(cycles["generic-pool"]),
    };
    const perOp = await timeLoop(subjects, Math.max(k, minOpsPerRound), rounds);
    rows.push(
      ratioRow({
        bench: `handoff-${k}`,
        baseline: "generic-pool",
        unit: "us/op",
        subjectValue: perOp["surreal-pool"]! * 1_000,
        baselineValue: perOp["generic-pool"]! * 1_000,
        target: "ratio <= 1.0",
        meets: (r) => r <= 1.0,
        extra: { waiters: k },
      }),
    );
  }
  await manager.shutdown();
  await generic.drain();
  await generic.clear();
  return rows;
}
