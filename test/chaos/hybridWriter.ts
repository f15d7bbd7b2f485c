// The hybrid-mode client of the nemesis suite, as its own process (the parent SIGKILLs it mid-run):
// an embedded surrealkv:// local store shipped to remotes every 300 ms.
//
//   --mode write:  20 workers of idempotent UPSERTs through executeWithRetry(fn, { timeoutMs }), one
//                  {"ack":[w,s]} line per acknowledged write, until killed (or --max-ms, then exit).
//   --mode resume: the restarted process. Syncs until every remote holds every local change (bounded),
//                  prints the local contents, shuts down and exits by itself.
//
//   node --import tsx test/chaos/hybridWriter.ts --dir DIR --remotes ws://..,ws://.. --mode write
import { parseArgs } from "node:util";
import { ConnectionManager } from "../../src/index.js";
import { DB, itemValue, NS } from "./writes.js";

const { values } = parseArgs({
  options: {
    dir: { type: "string" },
    remotes: { type: "string" },
    mode: { type: "string", default: "write" },
    workers: { type: "string", default: "20" },
    "max-ms": { type: "string", default: "30000" },
  },
});
if (!values.dir || !values.remotes) throw new Error("--dir and --remotes are required");
process.stdin.on("end", () => process.exit(3)); // the parent died
process.stdin.resume();
const say = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(line)}\n`);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const manager = await ConnectionManager.create({
  mode: {
    kind: "hybrid",
    localCache: `surrealkv://${values.dir}`,
    remoteSync: values.remotes.split(","),
    syncIntervalMs: 300,
  },
  credentials: { username: "root", password: "root" },
  namespace: NS,
  database: DB,
  pool: {
    minConnections: 2,
    maxConnections: 10,
    connectionTimeoutMs: 3_000,
    connectTimeoutMs: 3_000,
    retryPolicy: { maxAttempts: 3, initialBackoffMs: 20, maxBackoffMs: 200, multiplier: 2 },
  },
});

if (values.mode === "write") {
  await manager.executeWithRetry((db) => db.query("DEFINE TABLE IF NOT EXISTS item SCHEMALESS"));
  say({ ready: true });
  const until = performance.now() + Number(values["max-ms"]);
  await Promise.all(
    Array.from({ length: Number(values.workers) }, async (_, w) => {
      for (let s = 0; performance.now() < until; s++) {
        try {
          await manager.executeWithRetry(
            (db) =>
              db.query("UPSERT type::record('item', [$w, $s]) SET w = $w, s = $s, v = $v", {
                w,
                s,
                v: itemValue(w, s),
              }),
            { timeoutMs: 2_000 },
          );
          say({ ack: [w, s] });
        } catch (error) {
          say({ failed: [w, s], error: String(error) });
        }
      }
    }),
  );
  await manager.shutdown({ timeoutMs: 5_000 });
  process.stdin.destroy();
} else {
  say({ ready: true });
  // Ship until every remote is caught up: each syncNow() resolves with a pass that started after the call.
  const deadline = performance.now() + 30_000;
  let caughtUp = false;
  while (!caughtUp && performance.now() < deadline) {
    caughtUp = (await manager.syncNow()).ok;
    if (!caughtUp) await sleep(200);
  }
  const lease = await manager.acquire();
  let local: unknown;
  try {
    [local] = await lease.db.query("SELECT w, s, v FROM item ORDER BY w, s");
  } finally {
    await lease.release();
  }
  say({ local, caughtUp });
  const shutdown = await manager.shutdown({ timeoutMs: 5_000 });
  say({ done: true, unsynced: shutdown.unsynced ?? [] });
  process.stdin.destroy(); // nothing of this script's own keeps the process alive: exiting is checked
}
