/**
 * The seed's multi-agent example, in TypeScript: two agents share one pool, each in its own namespace
 * with its own transaction log. Run it with `npx tsx examples/multiAgent.ts`; a test runs it too.
 */
import { AgentSession, ConnectionManager } from "../src/index.js";

export async function multiAgent() {
  const manager = await ConnectionManager.create(); // embedded mem:// by default

  // Both agents share the same connection pool but have separate namespaces and transaction logs.
  const planner = await AgentSession.create({ id: "planner", manager, namespace: "planning" });
  const executor = await AgentSession.create({ id: "executor", manager, namespace: "execution" });

  // Agent 1 and agent 2 work concurrently, each writing a note to the same table name.
  const work = async (agent: AgentSession, text: string) => {
    const txn = agent.recordTransaction({
      type: "write",
      path: `/notes/${agent.agentId}.md`,
      contentHash: "abc123",
    });
    await using conn = await agent.acquire(); // already in the agent's namespace; returned at block end
    await conn.db.query("CREATE note SET text = $text", { text });
    const [notes] = await conn.db.query<[{ text: string }[]]>("SELECT text FROM note");
    agent.commitTransaction(txn);
    return notes.map((n) => n.text); // only this agent's note: namespaces are isolated
  };
  const [plannerNotes, executorNotes] = await Promise.all([
    work(planner, "plan: ship it"),
    work(executor, "done: shipped"),
  ]);

  const histories = {
    planner: { notes: plannerNotes, log: planner.transactionHistory() },
    executor: { notes: executorNotes, log: executor.transactionHistory() },
  };
  await manager.shutdown(); // closes the agents' sessions first
  return histories;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.dir(await multiAgent(), { depth: 4 });
}
