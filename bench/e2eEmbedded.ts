import { createNodeEngines } from "@surrealdb/node";
import { Surreal, type SurrealSession } from "surrealdb";
import { isTransient } from "../src/errors/classifyError.js";
import { driveCosted, type RoundCost } from "./drive.js";
import { costRow, type Row } from "./measure.js";
import { ConnectionManager } from "./pool.js";

const WORKERS = 20;

type Op = (db: SurrealSession, worker: number, i: number) => Promise<unknown>;

/** `RETURN 1`, and a small CRUD mix (create, select by id, update, delete) on the worker's own rows. */
const workloads: Record<string, Op> = {
  "return-1": (db) => db.query("RETURN 1"),
  "crud-mix": (db, worker, i) => {
    const id = `w${worker}_${i % 50}`;
    switch (i % 4) {
      case 0:
        return db.query("UPSERT type::record('item', $id) SET n = $i", { id, i });
      case 1:
        return db.query("SELECT * FROM type::record('item', $id)", { id });
      case 2:
        return db.query("UPDATE type::record('item', $id) SET n += 1", { id });
      default:
        return db.query("SELECT count() FROM item GROUP ALL");
    }
  },
};

/**
 * 20 concurrent workers on the embedded engine: through the pool (a lease per operation) vs through
 * one raw SDK connection shared by the same 20 workers (the target's baseline), and vs 20 raw SDK
 * sessions of one engine, one per worker (what the pool runs on, without the pool). The engine is the
 * ceiling; the first ratio is what pooling costs in all, the second what the pool's own code costs.
 */
export async function e2eEmbedded(quick: boolean): Promise<Row[]> {
  const durationMs = quick ? 1_000 : 4_000;
  const rounds = quick ? 3 : 5;
  const rows: Row[] = [];

  for (const [name, op] of Object.entries(workloads)) {
    const raw = new Surreal({ engines: createNodeEngines() });
    await raw.connect("mem://");
    await raw.use({ namespace: "bench", database: "bench" });
    // The same engine API the pool uses (one session per worker), without the pool: isolates what
    // sessions themselves cost from what the pool costs.
    const sessions = await Promise.all(
      Array.from({ length: WORKERS }, async () => {
        const session = await raw.newSession();
        await session.use({ namespace: "bench", database: "bench" });
        return session;
      }),
    );
    const manager = await ConnectionManager.create({
      namespace: "bench",
      database: "bench",
      pool: { minConnections: WORKERS, maxConnections: WORKERS },
    });
    const pooled = async (worker: number, i: number) => {
      const lease = await manager.acquire();
      try {
        await op(lease.db, worker, i);
      } finally {
        await lease.release();
      }
    };
    const direct = (worker: number, i: number) => op(raw, worker, i);
    const perSession = (worker: number, i: number) => op(sessions[worker]!, worker, i);

    const samples = { pool: [] as RoundCost[], raw: [] as RoundCost[], sessions: [] as RoundCost[] };
    // --quick leaves the raw-sessions baseline out (it explains the gap, it sets no target).
    await drive(direct, 300);
    await drive(pooled, 300);
    if (!quick) await drive(perSession, 300);
    // The order turns every round: a subject that runs after another also pays for its garbage.
    const order: [RoundCost[], (worker: number, i: number) => Promise<unknown>][] = [
      [samples.raw, direct],
      [samples.pool, pooled],
      ...(quick ? [] : [[samples.sessions, perSession] as [RoundCost[], typeof direct]]),
    ];
    for (let r = 0; r < rounds; r++) {
      for (const [into, subject] of r % 2 === 0 ? order : [...order].reverse()) {
        into.push(await drive(subject, durationMs));
      }
    }
    await manager.shutdown();
    await raw.close();
    rows.push(
      costRow({
        bench: "e2e-embedded",
        baseline: "raw-sdk",
        subject: samples.pool,
        baselineRounds: samples.raw,
        target: "ratio >= 0.97",
        meets: (r) => r.throughput >= 0.97,
        extra: { workload: name, workers: WORKERS },
      }),
    );
    if (!quick)
      rows.push(
        costRow({
          bench: "e2e-embedded",
          baseline: "raw-sdk-sessions",
          subject: samples.pool,
          baselineRounds: samples.sessions,
          extra: { workload: name, workers: WORKERS },
        }),
      );
  }
  return rows;
}

/**
 * Concurrent writers on one engine hit SurrealDB's optimistic transaction conflicts now and then; both
 * the pool and the raw SDK rerun a conflicted operation, so each counted operation did its work.
 */
export async function withConflictRetry(op: () => Promise<unknown>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await op();
      return;
    } catch (error) {
      if (attempt >= 10 || !isTransient(error)) throw error;
    }
  }
}

/** Runs WORKERS loops for `durationMs`, a conflicted operation rerun; its throughput and CPU per op. */
function drive(op: (worker: number, i: number) => Promise<unknown>, durationMs: number): Promise<RoundCost> {
  return driveCosted(WORKERS, durationMs, (worker, i) => withConflictRetry(() => op(worker, i)));
}
