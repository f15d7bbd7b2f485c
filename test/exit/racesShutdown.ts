// One process that starts work of every kind and, without waiting, shuts down with a short timeout: live
// subscriptions made just before (they once re-opened the embedded engine after it was closed, and the
// process never exited), queries through leases and query(), transactions, health checks, borrowers that
// sign out (the re-sign-in on their return, racing the close, once left the SDK a token-renewal timer that
// held the process for the token's lifetime). Every call must
// settle, with a value or a typed error (none hangs, none reaches the closed engine: a call executing in it
// when it is freed aborts the process), and the process must then exit by itself. Prints one JSON line.
//
//   node --import tsx test/exit/racesShutdown.ts --mode embedded|ws [--url URL] [--timeout MS]
import { parseArgs } from "node:util";
import { ConnectionManager } from "../../src/manager/ConnectionManager.js";
import { startFaultProxy } from "../support/faultProxy.js";

const { values } = parseArgs({
  options: { mode: { type: "string" }, url: { type: "string" }, timeout: { type: "string", default: "50" } },
});
const credentials = { username: "root", password: "root" };
const pool = { minConnections: 2, maxConnections: 6, validationTimeoutMs: 300 };
// ws://: through a proxy of this process's own, which delays every byte for a while below.
const port = Number(new URL(values.url ?? "ws://127.0.0.1:0").port);
const proxy = values.mode === "ws" ? await startFaultProxy({ target: port }) : undefined;
const manager = await ConnectionManager.create(
  proxy ? { mode: { kind: "local", endpoint: proxy.url }, credentials, pool } : { pool },
);
await manager.executeWithRetry((db) => db.query("DEFINE TABLE fed CHANGEFEED 1h; DEFINE TABLE plain"));

const outcomes = new Map<string, number>();
function settle(what: string, call: Promise<unknown>): Promise<void> {
  return call.then(
    () => void outcomes.set(`${what}: ok`, (outcomes.get(`${what}: ok`) ?? 0) + 1),
    (error: unknown) => {
      const name = (error as { name?: string; code?: string })?.code ?? (error as Error)?.name ?? "?";
      outcomes.set(`${what}: ${name}`, (outcomes.get(`${what}: ${name}`) ?? 0) + 1);
    },
  );
}

const calls: Promise<void>[] = [];
const subscriptions = [];
for (let i = 0; i < 5; i++) {
  subscriptions.push(manager.live(i % 2 ? "fed" : "plain").subscribe({ error: () => {} }));
}
for (let i = 0; i < 20; i++) {
  calls.push(
    settle(
      "lease",
      manager.executeWithRetry((db) => db.query("CREATE fed SET n = $i", { i })),
    ),
  );
  calls.push(settle("query", manager.query("SELECT count() FROM plain GROUP ALL")));
  calls.push(
    settle(
      "transaction",
      manager.transaction(async (tx) => {
        await tx.query("CREATE plain SET n = $i", { i });
      }),
    ),
  );
}
calls.push(settle("healthCheck", manager.healthCheck()));
if (proxy) {
  // A borrower that signs out: its return signs the session in again, and over a slow socket that
  // outlasts validationTimeoutMs, so the session is closed while its sign-in is still in flight.
  const lease = await manager.acquire();
  await lease.db.invalidate();
  proxy.setMode({ kind: "latency", ms: 400 });
  await lease.release();
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  proxy.setMode("pass");
}
const started = performance.now();
await manager.shutdown({ timeoutMs: Number(values.timeout) });
const shutdownMs = performance.now() - started;
const pendingAfter = await Promise.race([
  Promise.all(calls).then(() => false),
  new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 3_000).unref()),
]);
for (const s of subscriptions) s.unsubscribe();
await proxy?.close();
process.stdout.write(
  `${JSON.stringify({ shutdown: Date.now(), shutdownMs, pendingAfter, outcomes: Object.fromEntries(outcomes) })}\n`,
);
// Still alive 1 s later (this timer does not hold it): say what holds it, for the test's message.
setTimeout(() => {
  process.stdout.write(`${JSON.stringify({ alive: process.getActiveResourcesInfo() })}\n`);
}, 1_000).unref();
