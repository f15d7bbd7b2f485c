import { reuseRatio } from "../src/observers/metrics.js";
import { drive } from "./drive.js";
import { type Row, round } from "./measure.js";
import { ConnectionManager } from "./pool.js";

const WORKERS = 20;
/** The seed's published reuse figure: 80-95% after warm-up. */
const SEED_UPPER = 0.95;

/**
 * Connection reuse after warm-up, the seed's way (reused / (created + reused)): a pool that starts at
 * 5 connections and grows to 20 under 20 workers, measured only once it has grown. Also reported: the
 * ratio over the whole run, warm-up included.
 */
export async function reuse(quick: boolean): Promise<Row[]> {
  const warmupMs = quick ? 300 : 1_000;
  const measureMs = quick ? 1_000 : 5_000;
  const manager = await ConnectionManager.create({
    namespace: "bench",
    database: "bench",
    pool: { minConnections: 5, maxConnections: WORKERS },
  });
  const op = async () => {
    const lease = await manager.acquire();
    try {
      await lease.db.query("RETURN 1");
    } finally {
      await lease.release();
    }
  };
  await drive(WORKERS, warmupMs, op);
  const warm = manager.metrics().snapshot();
  await drive(WORKERS, measureMs, op);
  const end = manager.metrics().snapshot();
  await manager.shutdown();
  const created = end.connectionsCreated - warm.connectionsCreated;
  const reused = end.connectionsReused - warm.connectionsReused;
  const afterWarmup = reused / (created + reused);
  return [
    {
      bench: "reuse",
      subject: "surreal-pool",
      baseline: "seed",
      unit: "%",
      subjectValue: round(afterWarmup * 100),
      baselineValue: SEED_UPPER * 100,
      ratio: round(afterWarmup / SEED_UPPER),
      target: ">= 99%",
      met: afterWarmup >= 0.99,
      seedFigure: "80-95% after warm-up (baseline: the upper figure)",
      leasesMeasured: created + reused,
      createdAfterWarmup: created,
      wholeRunIncludingWarmup: round(reuseRatio(end) * 100),
      workers: WORKERS,
      pool: "min 5, max 20",
    },
  ];
}
