// One process that uses the pool in one mode, shuts it down and then does NOTHING: it must exit by
// itself. Prints `{"shutdown": <epoch ms>}` when shutdown() resolved; the parent measures from there.
//
//   node --import tsx test/exit/workload.ts --mode embedded|ws|remote|hybrid|agents|dashboard|users|users-ws [--url URL ...]
import { parseArgs } from "node:util";
import { ConnectionManager } from "../../src/manager/ConnectionManager.js";
import { AgentSession } from "../../src/session/AgentSession.js";

const { values } = parseArgs({
  options: { mode: { type: "string" }, url: { type: "string", multiple: true, default: [] } },
});
const urls = values.url ?? [];
const credentials = { username: "root", password: "root" };
const pool = { minConnections: 2, maxConnections: 4 };

function options() {
  switch (values.mode) {
    case "ws":
    case "users-ws":
      return { mode: { kind: "local" as const, endpoint: urls[0]! }, credentials, pool };
    case "remote":
      return { mode: { kind: "remote" as const, endpoints: urls }, credentials, pool };
    case "hybrid":
      return {
        mode: { kind: "hybrid" as const, localCache: "mem://", remoteSync: urls, syncIntervalMs: 200 },
        credentials,
        pool,
      };
    default:
      return { pool };
  }
}

const manager = await ConnectionManager.create(options());
await manager.executeWithRetry((db) => db.query("DEFINE TABLE IF NOT EXISTS item SCHEMALESS"));
for (let i = 0; i < 20; i++) {
  await manager.executeWithRetry((db) => db.query("UPSERT type::record('item', $i) SET n = $i", { i }));
}
if (values.mode === "hybrid") await manager.syncNow();
if (values.mode === "agents") {
  const agent = await AgentSession.create("exit-agent", manager, "agents", undefined, { sink: true });
  const id = agent.recordTransaction({ type: "write", path: "/a", contentHash: "h" });
  {
    await using lease = await agent.acquire();
    await lease.db.query("RETURN 1");
  }
  agent.commitTransaction(id);
  await agent.flush();
  await agent.close();
  // A second session left open: shutdown closes it.
  const open = await AgentSession.create("exit-agent-2", manager, "agents", undefined, { sink: true });
  open.recordTransaction({ type: "read", path: "/b" });
}
if (values.mode === "users" || values.mode === "users-ws") {
  // End users: a token and a credentials identity, a lease, a live query left open, an eviction, a
  // logout. Their sessions' token timers (the SDK's) must not outlive the pool.
  await manager.query(`
    DEFINE TABLE IF NOT EXISTS user SCHEMALESS PERMISSIONS FOR select WHERE id = $auth;
    DEFINE ACCESS IF NOT EXISTS account ON DATABASE TYPE RECORD
      SIGNIN (SELECT * FROM user WHERE name = $name) DURATION FOR TOKEN 1h, FOR SESSION 1h;
    DEFINE TABLE IF NOT EXISTS note SCHEMALESS PERMISSIONS FULL;
    CREATE user:ann SET name = 'ann'; CREATE user:bob SET name = 'bob';
  `);
  const token = await (async () => {
    await using lease = await manager.acquire();
    const { namespace, database } = manager.config;
    return (await lease.db.signin({ access: "account", namespace, database, variables: { name: "ann" } }))
      .access as string;
  })();
  const ann = manager.as({ token });
  const bob = manager.as({ access: "account", variables: { name: "bob" } });
  await ann.query("CREATE note SET by = $auth");
  {
    await using lease = await bob.acquire();
    await lease.db.query("RETURN $auth");
  }
  bob.live("note").subscribe(() => {});
  await ann.query("CREATE note SET by = $auth");
  manager.forget({ token });
  await bob.query("RETURN 1");
}
if (values.mode === "dashboard") {
  const dashboard = await manager.serveDashboard();
  const page = await fetch(`${dashboard.url}snapshot.json`);
  await page.text();
  // Left open on purpose: the manager's shutdown() closes the dashboards served for it.
}
await manager.shutdown({ timeoutMs: 5_000 });
process.stdout.write(`${JSON.stringify({ shutdown: Date.now() })}\n`);
