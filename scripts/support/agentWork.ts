import type { ConnectionManager } from "../../src/manager/ConnectionManager.js";
import { AgentSession } from "../../src/session/AgentSession.js";

/**
 * One AI agent's session beside the demo workload, so dashboards and inspectors show the agentSession
 * machine and a transaction log: every `everyMs` it leases a connection in its own namespace, writes a
 * note, and logs the write as a transaction (now and then an aborted one). Closes the session at the end.
 */
export async function runAgent(
  manager: ConnectionManager,
  options: { agentId: string; durationMs: number; everyMs?: number; signal?: AbortSignal },
): Promise<{ transactions: number; failed: number }> {
  const session = await AgentSession.create({
    id: options.agentId,
    manager,
    namespace: "agents",
    database: options.agentId,
  });
  const deadline = performance.now() + options.durationMs;
  let transactions = 0;
  let failed = 0;
  try {
    for (let i = 0; performance.now() < deadline && !options.signal?.aborted; i++) {
      const path = `/notes/${options.agentId}/${i % 10}.md`;
      const txId = session.recordTransaction({ type: "write", path, contentHash: `h${i}` });
      try {
        const lease = await session.acquire();
        try {
          await lease.db.query("UPSERT type::record('note', $key) SET body = $body", {
            key: i % 10,
            body: path,
          });
        } finally {
          await lease.release();
        }
        if (i % 7 === 6) session.abortTransaction(txId, "agent changed its mind");
        else session.commitTransaction(txId);
      } catch (error) {
        // E.g. the endpoint's breaker is open: the write did not happen, and the log says so (unless the
        // entry was settled already, or the session stopped taking log entries).
        if (session.transaction(txId)?.status === "pending")
          session.abortTransaction(txId, (error as Error).message);
        failed++;
      }
      transactions++;
      await new Promise((resolve) => setTimeout(resolve, options.everyMs ?? 250));
    }
  } finally {
    await session.close();
  }
  return { transactions, failed };
}
