import { drive } from "./drive.js";
import { type Row, round } from "./measure.js";
import { ConnectionManager, histogramQuantile } from "./pool.js";
import { openRawSdk } from "./rawSdk.js";
import { p50p99 } from "./stats.js";

/**
 * Latency distributions, not averages: acquire wait and query time (each timed around its own await),
 * uncontended (20 workers on 20 connections) and contended (40 workers on 10), with the same query
 * through one raw SDK connection by 20 workers as the baseline for query time. Acquire wait has no
 * natural baseline; it is set against the raw query time (how much of an operation is waiting). The
 * metrics histogram's own p50/p99 (bucket upper bounds) are given next to the exact figures.
 */
export async function latency(quick: boolean): Promise<Row[]> {
  const durationMs = quick ? 600 : 4_000;
  const raw = await openRawSdk();
  const rawQuery: number[] = [];
  await drive(20, 200, () => raw.query("RETURN 1"));
  await drive(20, durationMs, async () => {
    const start = performance.now();
    await raw.query("RETURN 1");
    rawQuery.push(performance.now() - start);
  });
  await raw.close();
  const base = p50p99(rawQuery);
  const rows: Row[] = [];
  for (const { workers, size, label } of [
    { workers: 20, size: 20, label: "uncontended: 20 workers, 20 connections" },
    { workers: 40, size: 10, label: "contended: 40 workers, 10 connections" },
  ]) {
    const { wait, query, histogram } = await measurePool(workers, size, durationMs);
    const w = p50p99(wait);
    const q = p50p99(query);
    rows.push(
      {
        bench: "latency",
        subject: "surreal-pool",
        baseline: "raw-sdk",
        unit: "ms",
        subjectValue: q.p50,
        baselineValue: base.p50,
        ratio: round(q.p50 / base.p50),
        metric: "query",
        condition: label,
        p50: q.p50,
        p99: q.p99,
        baselineP50: base.p50,
        baselineP99: base.p99,
        samples: query.length,
      },
      {
        bench: "latency",
        subject: "surreal-pool",
        baseline: "raw-sdk query time",
        unit: "ms",
        subjectValue: w.p50,
        baselineValue: base.p50,
        ratio: round(w.p50 / base.p50),
        metric: "acquire-wait",
        condition: label,
        p50: w.p50,
        p99: w.p99,
        histogramP50: histogram.p50,
        histogramP99: histogram.p99,
        samples: wait.length,
      },
    );
  }
  return rows;
}

async function measurePool(workers: number, size: number, durationMs: number) {
  const manager = await ConnectionManager.create({
    namespace: "bench",
    database: "bench",
    pool: { minConnections: size, maxConnections: size, validateAfterIdleMs: 600_000 },
  });
  const wait: number[] = [];
  const query: number[] = [];
  const op = async (record: boolean) => {
    const asked = performance.now();
    const lease = await manager.acquire();
    const got = performance.now();
    try {
      await lease.db.query("RETURN 1");
      if (record) query.push(performance.now() - got);
    } finally {
      await lease.release();
    }
    if (record) wait.push(got - asked);
  };
  await drive(workers, 200, () => op(false));
  await drive(workers, durationMs, () => op(true));
  // The histogram also holds the short warm-up's acquires; next to thousands measured they hardly count.
  const h = manager.metrics().snapshot().acquireWaitMs;
  await manager.shutdown();
  return { wait, query, histogram: { p50: histogramQuantile(h, 0.5), p99: histogramQuantile(h, 0.99) } };
}
