/**
 * Child process for the kill-and-restart test: one agent on a surrealkv:// pool records, commits and
 * flushes transactions in a loop, printing `DURABLE <id>` after each flush resolves (from then on the
 * entry is the database's to keep). It never stops by itself before `--max` entries; the test SIGKILLs it.
 */
import { ConnectionManager } from "../../../src/manager/ConnectionManager.js";
import { AgentSession } from "../../../src/session/AgentSession.js";

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
const dir = arg("dir");
const mode = arg("mode") ?? "create";
const max = Number(arg("max") ?? 10_000);
if (!dir) throw new Error("--dir is required");

const manager = await ConnectionManager.create({
  mode: { kind: "local", endpoint: `surrealkv://${dir}` },
  namespace: "agents",
  database: "log",
  pool: { minConnections: 1, maxConnections: 4 },
});
const sink = { flushIntervalMs: 5 };
const session =
  mode === "restore"
    ? await AgentSession.restore("worker", manager, { sink })
    : await AgentSession.create("worker", manager, "worker_ns", undefined, { sink });

if (mode === "restore") {
  const history = session.transactionHistory();
  process.stdout.write(`${JSON.stringify(history.map((e) => ({ id: e.id, status: e.status })))}\n`);
  await session.close();
  await manager.shutdown();
  process.exit(0);
}

process.stdout.write("READY\n");
for (let i = 0; i < max; i++) {
  const id = session.recordTransaction({ type: "write", path: `/src/file${i}.ts`, contentHash: `h${i}` });
  {
    await using lease = await session.acquire();
    await lease.db.query("UPSERT type::record('file', $i) SET hash = $h", { i, h: `h${i}` });
  }
  if (i % 7 === 3) session.abortTransaction(id, "changed my mind");
  else session.commitTransaction(id);
  await session.flush();
  process.stdout.write(`DURABLE ${id}\n`);
}
