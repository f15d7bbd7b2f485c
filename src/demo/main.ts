/**
 * The main job (`npm start`): a mixed CRUD workload for a few seconds on the embedded `mem://`
 * default, one worker per pooled connection, with progress, then the metrics snapshot, reuse ratio
 * and health status. Options: --seconds=N (default 5), --workers=N (default 20; the pool gets as many
 * connections, so no worker waits for one).
 */
import { SingleBar } from "cli-progress";
import { ConnectionManager, histogramQuantile, type MetricsSnapshot, PoolConfig } from "../index.js";

const arg = (name: string, fallback: number, max = Number.POSITIVE_INFINITY) => {
  const raw = process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isFinite(value) || value <= 0 || value > max) {
    console.error(
      `--${name} must be a positive number${max < Infinity ? ` up to ${max}` : ""}, got "${raw}"`,
    );
    process.exit(2);
  }
  return value;
};
const seconds = arg("seconds", 5);
const workers = Math.round(arg("workers", 20, 1_000));

const mode = { kind: "local", endpoint: "mem://" } as const;
const manager = await ConnectionManager.create({
  mode,
  namespace: "demo",
  database: "main",
  pool: { ...PoolConfig.development(), minConnections: Math.min(5, workers), maxConnections: workers },
});
console.log(
  `demo: ${workers} workers of mixed CRUD for ${seconds} s on ${mode.endpoint}, a pool of up to ${workers} connections`,
);

let done = 0;
let failed = 0;
const failures = new Map<string, number>();
const started = performance.now();
const deadline = started + seconds * 1_000;
const progress = () => {
  const elapsed = performance.now() - started;
  const h = manager.healthStatus();
  return {
    percent: Math.min(100, Math.round((elapsed / (seconds * 1_000)) * 100)),
    elapsedS: elapsed / 1_000,
    ops: done,
    rate: Math.round(done / (elapsed / 1_000)),
    inUse: h.inUse,
    size: h.poolSize,
    waiting: h.waiting,
  };
};
// A progress bar on a terminal; piped or redirected (`npm start | cat`), a plain line every second,
// so a reader sees the work as it happens and not only at the end.
const interactive = process.stdout.isTTY === true && process.stderr.isTTY === true;
const bar = interactive
  ? new SingleBar({
      format:
        "workload |{bar}| {percentage}% | {ops} ops | {rate} ops/s | in use {inUse}/{size} | waiting {waiting}",
      hideCursor: true,
    })
  : undefined;
bar?.start(100, 0, { ops: 0, rate: 0, inUse: 0, size: 0, waiting: 0 });
const ticker = setInterval(
  () => {
    const p = progress();
    if (bar) bar.update(p.percent, p);
    else {
      console.log(
        `progress: ${p.elapsedS.toFixed(1)} s, ${p.ops} ops, ${p.rate} ops/s, in use ${p.inUse}/${p.size}, waiting ${p.waiting}`,
      );
    }
  },
  bar ? 100 : 1_000,
);

/**
 * One worker: creates, reads, updates and deletes its own notes. Writes go through executeWithRetry,
 * because concurrent writers on one engine now and then hit SurrealDB's transaction conflicts, which
 * are transient; reads show the plain lease, returned by `await using`.
 */
async function worker(id: number): Promise<void> {
  for (let i = 0; performance.now() < deadline; i++) {
    try {
      const key = `w${id}_${i % 25}`;
      switch (i % 5) {
        case 0:
        case 1:
          await manager.executeWithRetry((db) =>
            db.query("UPSERT type::record('note', $key) SET worker = $id, body = $body, v = $i", {
              key,
              id,
              i,
              body: `note ${i} of worker ${id}`,
            }),
          );
          break;
        case 2: {
          await using lease = await manager.acquire();
          await lease.db.query("SELECT * FROM type::record('note', $key)", { key });
          break;
        }
        case 3:
          await manager.executeWithRetry((db) =>
            db.query("UPDATE note SET v += 1 WHERE worker = $id", { id }),
          );
          break;
        default:
          await manager.executeWithRetry((db) => db.query("DELETE type::record('note', $key)", { key }));
      }
      done++;
    } catch (error) {
      failed++;
      const key = `${(error as Error).name}: ${(error as Error).message}`;
      failures.set(key, (failures.get(key) ?? 0) + 1);
    }
  }
}

await Promise.all(Array.from({ length: workers }, (_, id) => worker(id)));
clearInterval(ticker);
bar?.update(100, { ops: done, rate: Math.round(done / ((performance.now() - started) / 1_000)) });
bar?.stop();

const elapsedS = (performance.now() - started) / 1_000;
const { acquireWaitMs, ...counters } = manager.metrics().snapshot();
// Hybrid mode's sync figures are always zero here (local mode has no remotes): left out of the table.
const shown = Object.fromEntries(
  Object.entries(counters).filter(([key]) => !key.startsWith("sync")),
) as Partial<MetricsSnapshot>;
console.log(
  `\n${done} operations in ${elapsedS.toFixed(1)} s (${Math.round(done / elapsedS)} ops/s), ${failed} failed`,
);
for (const [message, count] of failures) console.log(`  ${count} x ${message}`);
console.log("\nmetrics snapshot:");
console.table(shown);
console.log(
  `acquire wait: ${acquireWaitMs.count} acquires, mean ${(acquireWaitMs.sumMs / Math.max(1, acquireWaitMs.count)).toFixed(3)} ms, p50 <= ${histogramQuantile(acquireWaitMs, 0.5)} ms, p99 <= ${histogramQuantile(acquireWaitMs, 0.99)} ms, max ${acquireWaitMs.maxMs.toFixed(2)} ms`,
);
console.log(`reuse ratio: ${(manager.metrics().reuseRatio() * 100).toFixed(2)}%`);
console.log("\nhealth status:");
console.dir(manager.healthStatus(), { depth: 4 });
const report = await manager.shutdown({ timeoutMs: 5_000 });
console.log(
  `\nshutdown: closed ${report.closed} connections in ${report.durationMs.toFixed(1)} ms, ${report.abandoned.length} leases abandoned`,
);
process.exitCode = failed === 0 ? 0 : 1;
