// Agent logs, against each agent's log restored from the store afterwards: every entry whose flush was
// acknowledged is there with the status it was flushed with; nothing is there that the agent never
// recorded; and entries are in the order they were recorded.
import type { Op } from "../history.js";
import type { CheckResult, Violation } from "./violation.js";

export interface RestoredLog {
  agent: number;
  entries: { id: string; status: string }[];
  error?: string;
}

export function checkAgentLogs(ops: readonly Op[], logs: readonly RestoredLog[]): CheckResult {
  const violations: Violation[] = [];
  let flushed = 0;
  let restored = 0;
  for (const log of logs) {
    const mine = ops.filter((o) => o.client.startsWith(`agent ${log.agent}.`));
    if (log.error) {
      violations.push({
        property: "agent logs",
        message: `agent ${log.agent}'s log could not be restored: ${log.error}`,
        ops: [],
      });
      continue;
    }
    restored += log.entries.length;
    // Recording order: the history's invocation order of the ops that recorded each entry.
    const recordedAt = new Map<string, number>();
    for (const o of mine) {
      const txId = (o.value as { txId?: string }).txId;
      if (txId) recordedAt.set(txId, o.index);
    }
    const position = new Map(log.entries.map((e, i) => [e.id, i]));
    for (const o of mine.filter((x) => x.f === "agentLease" && x.outcome === "ok")) {
      flushed++;
      const { txId, status } = o.result as { txId: string; status: string };
      const entry = log.entries[position.get(txId) ?? -1];
      if (!entry)
        violations.push({
          property: "agent logs",
          message: `agent ${log.agent}: flushed entry ${txId} is not in the restored log`,
          ops: [o],
        });
      else if (entry.status !== status) {
        violations.push({
          property: "agent logs",
          message: `agent ${log.agent}: entry ${txId} restored as ${entry.status}, flushed as ${status}`,
          ops: [o],
        });
      }
    }
    let last = -1;
    for (const e of log.entries) {
      const at = recordedAt.get(e.id);
      if (at === undefined) {
        violations.push({
          property: "agent logs",
          message: `agent ${log.agent}: restored entry ${e.id} was never recorded`,
          ops: [],
        });
        continue;
      }
      if (at < last)
        violations.push({
          property: "agent logs",
          message: `agent ${log.agent}: entry ${e.id} restored out of recording order`,
          ops: [],
        });
      last = Math.max(last, at);
    }
  }
  return { property: "agent logs", counts: { agents: logs.length, flushed, restored }, violations };
}
