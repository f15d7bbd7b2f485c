// The nemesis suite's client for shutting down during a partition (exitUnderPartition.test.ts): a
// remote-mode pool over one proxied endpoint. On "partitioned" (stdin) the parent has blackholed the
// proxy: this process runs a call with a deadline, starts a query on a lease it holds, shuts down, and
// reports how each settled. Then it must exit by itself while the partition lasts.
import { ConnectionManager, isSurrealPoolError } from "../../src/index.js";

const url = process.argv[2]!;
const say = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(line)}\n`);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const unhandled: string[] = [];
process.on("unhandledRejection", (reason) => unhandled.push(String(reason)));

const manager = await ConnectionManager.create({
  mode: { kind: "remote", endpoints: [url] },
  credentials: { username: "root", password: "root" },
  namespace: "chaos",
  database: "chaos",
  pool: {
    minConnections: 2,
    maxConnections: 4,
    connectionTimeoutMs: 2_000,
    connectTimeoutMs: 2_000,
    validationTimeoutMs: 300,
    retryPolicy: { maxAttempts: 2, initialBackoffMs: 20, maxBackoffMs: 100, multiplier: 2 },
  },
});
const held = await manager.acquire();
await held.db.query("RETURN 1");
let partitioned: () => void = () => {};
const partition = new Promise<void>((resolve) => {
  partitioned = resolve;
});
process.stdin.on("data", (chunk: Buffer) => {
  if (chunk.toString("utf8").includes("partitioned")) partitioned();
});
process.stdin.on("end", () => process.exit(3));
process.stdin.resume();
say({ ready: true });
await partition;

const describe = (e: unknown) => ({ name: (e as Error)?.name, typed: isSurrealPoolError(e) });
const callStarted = performance.now();
const call = await manager
  .executeWithRetry((db) => db.query("RETURN 2"), { timeoutMs: 400 })
  .then(
    () => ({ ok: true }),
    (e: unknown) => ({ ok: false, ...describe(e) }),
  );
const callMs = performance.now() - callStarted;

// A query in flight on a held lease when shutdown takes the lease back.
let query: { settled: boolean; afterShutdownMs?: number; name?: string; typed?: boolean } = {
  settled: false,
};
let shutdownAt = 0;
held.db.query("RETURN 3").then(
  () => {
    query = { settled: true, afterShutdownMs: performance.now() - shutdownAt, name: "resolved" };
  },
  (e: unknown) => {
    query = { settled: true, afterShutdownMs: performance.now() - shutdownAt, ...describe(e) };
  },
);
await sleep(100);
shutdownAt = performance.now();
const shutdown = await manager.shutdown({ timeoutMs: 800 });
const shutdownMs = performance.now() - shutdownAt;
for (let i = 0; i < 40 && !query.settled; i++) await sleep(50);
say({ report: { call, callMs, query, shutdownMs, abandoned: shutdown.abandoned.length, unhandled } });
process.stdin.destroy(); // nothing of this script's own keeps the process alive now
