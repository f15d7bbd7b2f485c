import type { SurrealSession } from "surrealdb";
import { interleaveCosted } from "./drive.js";
import { withConflictRetry } from "./e2eEmbedded.js";
import { costRow, type Row } from "./measure.js";
import { ConnectionManager } from "./pool.js";
import { openRawSdk } from "./rawSdk.js";

const WORKERS = 20;

/** Each worker writes only its own rows, so conflicts are rare; a conflicted one is rerun on both sides. */
const write = (db: { query: SurrealSession["query"] }, worker: number, i: number) =>
  db.query("UPSERT type::record('acct', $id) SET n = $i", { id: `w${worker}_${i % 20}`, i });

/**
 * 20 workers on the embedded engine:
 * - `transaction()` (lease, begin, one write, commit, release; conflicts retried) vs a hand-written
 *   begin/write/commit on a raw SDK session per worker (the same engine API without the pool);
 * - the per-call deadline's cost: the e2e `RETURN 1` row with `queryTimeoutMs` at its default (a timer
 *   per call) vs switched off, and vs one raw SDK connection.
 */
export async function transactionBench(quick: boolean): Promise<Row[]> {
  const roundMs = quick ? 600 : 3_000;
  const rounds = quick ? 3 : 5;
  const raw = await openRawSdk();
  const sessions = await Promise.all(
    Array.from({ length: WORKERS }, async () => {
      const s = await raw.newSession();
      await s.use({ namespace: "bench", database: "bench" });
      return s;
    }),
  );
  const pool = { minConnections: WORKERS, maxConnections: WORKERS };
  const withDeadline = await ConnectionManager.create({ namespace: "bench", database: "bench", pool });
  const noDeadline = await ConnectionManager.create({
    namespace: "bench",
    database: "bench",
    pool: { ...pool, queryTimeoutMs: null },
  });
  try {
    const txSubjects: Record<string, (worker: number, i: number) => Promise<unknown>> = {
      pool: (w, i) => withDeadline.transaction((t) => write(t, w, i), { maxAttempts: 10 }),
      raw: (w, i) =>
        withConflictRetry(async () => {
          const t = await sessions[w]!.beginTransaction();
          try {
            await write(t, w, i);
          } catch (error) {
            await t.cancel();
            throw error;
          }
          await t.commit();
        }),
    };
    // A warm-up round first: the first writes create the table and warm the engine and the JIT.
    await interleaveCosted(txSubjects, { workers: WORKERS, rounds: 1, roundMs: 500 });
    const tx = await interleaveCosted(txSubjects, { workers: WORKERS, rounds, roundMs });
    const leased = (m: ConnectionManager) => async () => {
      const lease = await m.acquire();
      try {
        await lease.db.query("RETURN 1");
      } finally {
        await lease.release();
      }
    };
    const e2eSubjects = {
      deadline: leased(withDeadline),
      none: leased(noDeadline),
      raw: () => raw.query("RETURN 1"),
    };
    await interleaveCosted(e2eSubjects, { workers: WORKERS, rounds: 1, roundMs: 500 });
    const e2e = await interleaveCosted(e2eSubjects, { workers: WORKERS, rounds, roundMs });
    return [
      costRow({
        bench: "transaction",
        baseline: "raw-sdk-begin-commit",
        unit: "tx/s",
        subject: tx.pool!,
        baselineRounds: tx.raw!,
        target: "ratio >= 0.95",
        meets: (r) => r.throughput >= 0.95,
        extra: { workers: WORKERS },
      }),
      costRow({
        bench: "call-deadline",
        baseline: "pool-no-deadline",
        subject: e2e.deadline!,
        baselineRounds: e2e.none!,
        target: "ratio >= 0.97",
        meets: (r) => r.throughput >= 0.97,
        extra: { workload: "return-1", workers: WORKERS },
      }),
      costRow({
        bench: "call-deadline",
        baseline: "raw-sdk",
        subject: e2e.deadline!,
        baselineRounds: e2e.raw!,
        extra: { workload: "return-1", workers: WORKERS },
      }),
    ];
  } finally {
    await withDeadline.shutdown();
    await noDeadline.shutdown();
    await raw.close();
  }
}
