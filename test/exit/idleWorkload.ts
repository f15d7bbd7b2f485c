// One process that uses the pool and then returns WITHOUT calling shutdown(): with
// `pool.allowExitOnIdle` it must exit by itself once the pool has nothing to do; without, the pool
// keeps it alive (the parent kills it). Prints `{"idle": <epoch ms>}` when its own work is done.
//
//   node --import tsx test/exit/idleWorkload.ts --mode ws|remote|hybrid|embedded [--url URL ...]
//        [--allow] [--pending query|live|dashboard]
//
// --pending query: a query still running (SLEEP) after the script's last line; --pending live: a live
// subscription waiting for a write made 1 s later from an unref'd timer. Both must keep it alive
// until they finish, and print `{"done": ...}`. --pending dashboard: a dashboard left serving, which
// keeps it alive (a listening server) until closed.
import { parseArgs } from "node:util";
import { ConnectionManager } from "../../src/manager/ConnectionManager.js";

const { values } = parseArgs({
  options: {
    mode: { type: "string" },
    url: { type: "string", multiple: true, default: [] },
    allow: { type: "boolean", default: false },
    pending: { type: "string" },
  },
});
const urls = values.url ?? [];
const credentials = { username: "root", password: "root" };
const pool = { minConnections: 2, maxConnections: 4, allowExitOnIdle: values.allow };

function options() {
  switch (values.mode) {
    case "ws":
      return { mode: { kind: "local" as const, endpoint: urls[0]! }, credentials, pool };
    case "remote":
      return { mode: { kind: "remote" as const, endpoints: urls }, credentials, pool };
    case "hybrid":
      return {
        mode: {
          kind: "hybrid" as const,
          localCache: urls[0]!,
          remoteSync: urls.slice(1),
          syncIntervalMs: 200,
        },
        credentials,
        pool,
      };
    default:
      return { pool };
  }
}

const print = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);
const manager = await ConnectionManager.create(options());
await manager.executeWithRetry((db) => db.query("DEFINE TABLE IF NOT EXISTS item SCHEMALESS CHANGEFEED 1h"));
for (let i = 0; i < 10; i++) {
  await manager.executeWithRetry((db) => db.query("UPSERT type::record('item', $i) SET n = $i", { i }));
}
await manager.query("SELECT count() FROM item GROUP ALL");
{
  await using lease = await manager.acquire();
  await lease.db.query("RETURN 1");
}
if (values.mode === "hybrid") await manager.syncNow();
if (values.pending === "query") {
  void manager
    .query<[unknown, string]>("SLEEP 1500ms; RETURN 'slept'")
    .then(([, answer]) => print({ done: answer }));
}
if (values.pending === "live") {
  const subscription = manager.live("item").subscribe((n) => {
    print({ done: n.kind });
    subscription.unsubscribe();
  });
  setTimeout(() => void manager.query("CREATE item:late SET n = -1"), 1_000).unref();
}
if (values.pending === "dashboard") await manager.serveDashboard();
print({ idle: Date.now() });
