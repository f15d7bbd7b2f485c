// The hybrid benchmark's measuring process (spawned by bench/hybrid.ts with stderr discarded: the
// embedded engine prints a debug dump to stderr on every change-feed commit, see src/surreal/blockingStderr.ts).
// Prints one JSON line with the figures.
import { parseArgs } from "node:util";
import { timeOfVersionstamp, toVersionstamp } from "../src/surreal/feed/versionstamp.js";
import { drive } from "./drive.js";
import { ConnectionManager } from "./pool.js";

const { values } = parseArgs({
  options: { remote: { type: "string" }, quick: { type: "boolean", default: false } },
});
const remote = values.remote!;
const quick = values.quick;
const WORKERS = 10;
const ROOT = { username: "root", password: "root" };
const pool = { minConnections: WORKERS, maxConnections: WORKERS, connectionTimeoutMs: 5_000 };
const durationMs = quick ? 1_000 : 3_000;

const write = (manager: ConnectionManager, table: string) => (worker: number, i: number) =>
  manager.executeWithRetry((db) =>
    db.query("UPSERT type::record($table, $id) SET n = $i, at = time::now()", {
      table,
      id: `w${worker}_${i % 200}`,
      i,
    }),
  );

// 1. Local writes in hybrid mode vs the same writes through a remote-only pool, same endpoint, same run.
const hybrid = await ConnectionManager.create({
  mode: { kind: "hybrid", localCache: "mem://", remoteSync: [remote], syncIntervalMs: 600_000 },
  credentials: ROOT,
  namespace: "bench",
  database: "hybrid",
  pool,
});
const remoteOnly = await ConnectionManager.create({
  mode: { kind: "remote", endpoints: [remote] },
  credentials: ROOT,
  namespace: "bench",
  database: "remote_only",
  pool,
});
await drive(WORKERS, 300, write(hybrid, "warm"));
await drive(WORKERS, 300, write(remoteOnly, "warm"));
const localWrites: number[] = [];
const remoteWrites: number[] = [];
for (let round = 0; round < (quick ? 1 : 3); round++) {
  localWrites.push(await drive(WORKERS, durationMs, write(hybrid, "item")));
  remoteWrites.push(await drive(WORKERS, durationMs, write(remoteOnly, "item")));
}
await remoteOnly.shutdown();

// 2. Sync throughput: everything written above (each commit an entry), shipped by one syncNow().
const shipStart = performance.now();
const shipped = await hybrid.syncNow();
const shipMs = performance.now() - shipStart;
const shippedRecords = shipped.remotes[0]!.records;
await hybrid.shutdown();

// 3. Lag under a steady load: writers paced to `rate` commits/s, sync every `intervalMs`. A record's lag
// is from its commit (its versionstamp's time) to the moment the batch holding it committed on the remote.
const intervalMs = quick ? 250 : 500;
const rate = 1_000;
const steady = await ConnectionManager.create({
  mode: { kind: "hybrid", localCache: "mem://", remoteSync: [remote], syncIntervalMs: intervalMs },
  credentials: ROOT,
  namespace: "bench",
  database: "hybrid_steady",
  pool,
});
const lags: number[] = [];
steady.events$.subscribe((e) => {
  if (e.type !== "sync.batch") return;
  // Every record of the batch lies between its first and last commit: take the midpoint for each.
  const from = timeOfVersionstamp(toVersionstamp(e.fromVersionstamp));
  const to = timeOfVersionstamp(toVersionstamp(e.toVersionstamp));
  for (let i = 0; i < e.records; i++) lags.push(e.ts - (from + to) / 2);
});
const steadyMs = quick ? 2_000 : 5_000;
const perWorkerGapMs = (WORKERS / rate) * 1_000;
await drive(WORKERS, steadyMs, async (worker, i) => {
  const started = performance.now();
  await write(steady, "steady")(worker, i);
  const wait = perWorkerGapMs - (performance.now() - started);
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
});
await steady.syncNow();
await steady.shutdown();
lags.sort((a, b) => a - b);
const pick = (q: number) => lags[Math.min(lags.length - 1, Math.floor(q * lags.length))] ?? 0;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
process.stdout.write(
  `${JSON.stringify({
    workers: WORKERS,
    localWritesPerS: median(localWrites),
    remoteWritesPerS: median(remoteWrites),
    shippedRecords,
    shipMs,
    syncRecordsPerS: shippedRecords / (shipMs / 1_000),
    steady: {
      rate,
      intervalMs,
      records: lags.length,
      lagP50Ms: pick(0.5),
      lagP99Ms: pick(0.99),
      lagMaxMs: lags.at(-1) ?? 0,
    },
  })}\n`,
);
process.exit(0);
