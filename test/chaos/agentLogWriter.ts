// The agent-log client of the nemesis suite, as its own process (the parent SIGKILLs it mid-write):
// one agent on a surrealkv:// pool with a durable log.
//
//   --mode write: restores the agent's log if there is one (else starts it) and continues it: record,
//                 write, commit (every 7th from index 3 aborted), flush, then {"durable":id,"i":n,
//                 "status":...} once the flush resolved. Until killed (or --max entries).
//   --mode read:  restores the log, prints {"history":[{id,status}]}, closes, shuts down, exits by itself.
import { parseArgs } from "node:util";
import { AgentSession, ConnectionManager, isTransactionLogError } from "../../src/index.js";

const { values } = parseArgs({
  options: {
    dir: { type: "string" },
    mode: { type: "string", default: "write" },
    max: { type: "string", default: "100000" },
  },
});
if (!values.dir) throw new Error("--dir is required");
process.stdin.on("end", () => process.exit(3)); // the parent died
process.stdin.resume();
const say = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(line)}\n`);

const AGENT = "chaos-agent";
const sink = { flushIntervalMs: 5 };
const manager = await ConnectionManager.create({
  mode: { kind: "local", endpoint: `surrealkv://${values.dir}` },
  namespace: "agents",
  database: "log",
  pool: { minConnections: 1, maxConnections: 4 },
});

async function openSession(): Promise<AgentSession> {
  try {
    return await AgentSession.restore(AGENT, manager, { sink });
  } catch (error) {
    if (!isTransactionLogError(error) || error.reason !== "unknownAgent") throw error;
    return AgentSession.create(AGENT, manager, "agent_ns", undefined, { sink });
  }
}

const session = await openSession();
if (values.mode === "read") {
  say({ history: session.transactionHistory().map((e) => ({ id: e.id, status: e.status })) });
  await session.close();
  await manager.shutdown();
  process.stdin.destroy(); // exiting by itself is checked
} else {
  const start = session.transactionHistory().length;
  say({ ready: true, restored: start });
  for (let i = start; i < start + Number(values.max); i++) {
    const id = session.recordTransaction({ type: "write", path: `/src/file${i}.ts`, contentHash: `h${i}` });
    {
      await using lease = await session.acquire();
      await lease.db.query("UPSERT type::record('file', $i) SET hash = $h", { i, h: `h${i}` });
    }
    const aborted = i % 7 === 3;
    if (aborted) session.abortTransaction(id, "changed my mind");
    else session.commitTransaction(id);
    await session.flush();
    say({ durable: id, i, status: aborted ? "aborted" : "committed" });
  }
  await session.close();
  await manager.shutdown();
  process.stdin.destroy();
}
