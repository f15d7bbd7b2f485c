import { type Row, round } from "./measure.js";
import { ConnectionManager } from "./pool.js";
import { openRawSdk } from "./rawSdk.js";
import { p50p99 } from "./stats.js";

/**
 * The seed's "health checks run every 30 s with < 1 ms overhead", measured: the wall time of one
 * manager.healthCheck() pass over idle connections (a `RETURN 1` ping each, all at once, each returned
 * as its ping answers), per pool size. The seed's 1 ms is the baseline. Next to it, the engine's own
 * floor: the same pings sent at once by the raw SDK on as many sessions of one engine.
 */
export async function healthCheckOverhead(quick: boolean): Promise<Row[]> {
  const sizes = [5, 20, 50];
  const passes = quick ? 100 : 400;
  const rows: Row[] = [];
  for (const size of sizes) {
    const manager = await ConnectionManager.create({
      namespace: "bench",
      database: "bench",
      pool: {
        minConnections: size,
        maxConnections: size,
        healthCheckIntervalMs: 600_000,
        validateAfterIdleMs: 600_000,
      },
    });
    for (let i = 0; i < 20; i++) await manager.healthCheck();
    const samples: number[] = [];
    let failed = 0;
    for (let i = 0; i < passes; i++) {
      const start = performance.now();
      const result = await manager.healthCheck();
      samples.push(performance.now() - start);
      failed += result.failed;
      if (result.passed !== size) throw new Error(`health pass checked ${result.passed} of ${size}`);
    }
    await manager.shutdown();
    const floor = p50p99(await rawPings(size, passes));
    const { p50, p99 } = p50p99(samples);
    rows.push({
      bench: "health-check-overhead",
      subject: "surreal-pool",
      baseline: "seed",
      unit: "ms",
      subjectValue: p50,
      baselineValue: 1,
      ratio: p50,
      target: "p50 < 1 ms per pass",
      met: p50 < 1,
      seedFigure: "< 1 ms",
      poolSize: size,
      p50,
      p99,
      perConnectionP50: round(p50 / size),
      rawSdkPingsP50: floor.p50,
      rawSdkPingsP99: floor.p99,
      passes,
      failed,
    });
  }
  return rows;
}

/** `size` raw SDK sessions of one engine pinged at once with `RETURN 1`, `passes` times: ms per round. */
async function rawPings(size: number, passes: number): Promise<number[]> {
  const raw = await openRawSdk();
  const sessions = await Promise.all(
    Array.from({ length: size }, async () => {
      const session = await raw.newSession();
      await session.use({ namespace: "bench", database: "bench" });
      return session;
    }),
  );
  const samples: number[] = [];
  for (let i = 0; i < passes + 20; i++) {
    const start = performance.now();
    await Promise.all(sessions.map((s) => s.query("RETURN 1")));
    if (i >= 20) samples.push(performance.now() - start);
  }
  await raw.close();
  return samples;
}
