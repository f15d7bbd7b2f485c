import { drive, interleaveCosted } from "./drive.js";
import { costRow, median, type Row, round } from "./measure.js";
import { ConnectionManager } from "./pool.js";
import { openRawSdk } from "./rawSdk.js";

const WORKERS = 20;
/** The seed's published sustained figure: ~1,000-2,000 ops/s, 20 workers, 5 s, in-memory SurrealDB. */
const SEED_UPPER = 2_000;

/**
 * The seed's sustained-load test, measured here: 20 workers running `RETURN 1` continuously on the
 * embedded engine. Through the pool (a lease per operation, and executeWithRetry) against one raw SDK
 * connection shared by the same 20 workers, in interleaved rounds whose order alternates, so drift in
 * the load of this shared machine hits every subject alike. Also reported: the multiple of the seed's
 * upper figure.
 */
export async function sustained(quick: boolean): Promise<Row[]> {
  // Many short rounds rather than a few long ones: on a shared 2-core machine throughput swings by 2x
  // within seconds, and only interleaving often keeps the subjects' conditions alike.
  const roundMs = quick ? 400 : 1_000;
  const rounds = quick ? 4 : 12;
  const raw = await openRawSdk();
  const manager = await ConnectionManager.create({
    namespace: "bench",
    database: "bench",
    pool: { minConnections: WORKERS, maxConnections: WORKERS },
  });
  const subjects: Record<string, (w: number, i: number) => Promise<unknown>> = {
    raw: () => raw.query("RETURN 1"),
    lease: async () => {
      const lease = await manager.acquire();
      try {
        await lease.db.query("RETURN 1");
      } finally {
        await lease.release();
      }
    },
    executeWithRetry: () => manager.executeWithRetry((db) => db.query("RETURN 1")),
  };
  // The engine and the JIT speed up over the first seconds: warm every subject before measuring any.
  for (const op of Object.values(subjects)) await drive(WORKERS, quick ? 300 : 1_000, op);
  const samples = await interleaveCosted(subjects, { workers: WORKERS, rounds, roundMs });
  await manager.shutdown();
  await raw.close();

  return ["lease", "executeWithRetry"].map((name) => {
    const ops = median(samples[name]!.map((r) => r.opsPerSecond));
    // Each round's pool/raw ratio: less sensitive to the machine's drift than the ratio of medians.
    const paired = samples[name]!.map((v, i) => v.opsPerSecond / samples.raw![i]!.opsPerSecond);
    return costRow({
      bench: "sustained",
      baseline: "raw-sdk",
      subject: samples[name]!,
      baselineRounds: samples.raw!,
      target: "ratio >= 0.95",
      meets: (r) => r.throughput >= 0.95,
      extra: {
        path: name,
        workers: WORKERS,
        workload: "RETURN 1",
        roundMs,
        rounds,
        pairedRatioMedian: round(median(paired)),
        seedFigure: "1,000-2,000 ops/s",
        seedMultiple: round(ops / SEED_UPPER),
      },
    });
  });
}
