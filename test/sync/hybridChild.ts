// A hybrid-mode process with an EMBEDDED local store (`surrealkv://DIR`, in this process), for the crash
// tests: the parent SIGKILLs it mid-sync, then starts it again on the same directory.
//
//   node --import tsx test/sync/hybridChild.ts --dir DIR --remote ws://127.0.0.1:PORT/rpc [--writes N]
//
// With --writes N: writes N single-record commits (table `item`), waits past the sync's horizon, then
// syncs. Without: only syncs (what a restarted process resumes). Then prints the local contents, shuts
// down and exits. Every step is one JSON line on stdout; the engine's debug dumps go to stderr, which the
// parent drains and ignores.
import { parseArgs } from "node:util";
import { ConnectionManager } from "../../src/manager/ConnectionManager.js";
import { LANDING_HORIZON_MS } from "../../src/surreal/feed/FeedCursor.js";
import { contents, hybridOptions } from "./helpers.js";
import { writeMany } from "./writes.js";

const { values } = parseArgs({
  options: {
    dir: { type: "string" },
    remote: { type: "string" },
    writes: { type: "string", default: "0" },
    "exit-on-stdin-end": { type: "boolean", default: true },
  },
});
if (!values.dir || !values.remote) {
  process.stderr.write("usage: hybridChild --dir DIR --remote URL [--writes N]\n");
  process.exit(2);
}
// The parent holds our stdin open: EOF means it died, so this process must not outlive it.
process.stdin.on("end", () => process.exit(3));
process.stdin.resume();

const say = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(line)}\n`);

const manager = await ConnectionManager.create(
  hybridOptions(`surrealkv://${values.dir}`, [values.remote], { connectionTimeoutMs: 3_000 }),
);
manager.events$.subscribe((e) => {
  if (e.type === "sync.batch") say({ event: e.type, records: e.records, pass: e.pass });
  if (e.type === "sync.resynced") say({ event: e.type, reason: e.reason, records: e.records });
  if (e.type === "sync.completed") say({ event: e.type, records: e.records, trigger: e.trigger });
  if (e.type === "sync.failed") say({ event: e.type, error: e.error.message });
});
say({ started: true });
// Let the start-up pass finish, so the pass below is the one that ships these writes.
await manager.syncNow();

const writes = Number(values.writes);
if (writes > 0) {
  await writeMany(manager, "item", writes);
  await manager.executeWithRetry((db) => db.query("DELETE item:1; UPDATE item:2 SET n = -2"));
  say({ written: writes });
  // Past the landing horizon, so each batch's point can be acknowledged as soon as it is applied.
  await new Promise((resolve) => setTimeout(resolve, LANDING_HORIZON_MS + 200));
}
const report = await manager.syncNow();
say({ report: report.remotes.map((r) => ({ ok: r.ok, records: r.records, batches: r.batches })) });
const lease = await manager.acquire();
try {
  say({ local: await contents(lease.db, ["item"]) });
} finally {
  await lease.release();
}
const shutdown = await manager.shutdown({ timeoutMs: 5_000 });
say({ done: true, unsynced: shutdown.unsynced });
process.exit(0);
