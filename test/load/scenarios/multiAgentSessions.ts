import { isTransient } from "../../../src/errors/classifyError.js";
import { AgentSession, type SessionCloseReport } from "../../../src/session/AgentSession.js";
import { type LoadReport, reportOf } from "../support/LoadReport.js";
import { createLoadManager } from "../support/loadManager.js";
import { PoolWatch } from "../support/PoolWatch.js";
import { runWorkers } from "../support/runWorkers.js";
import { Tally } from "../support/Tally.js";

export interface MultiAgentSessionsSize {
  agents: number;
  opsPerAgent: number;
  /** Loops per agent running at once (each agent's session caps its share of the pool). */
  concurrencyPerAgent: number;
  maxConnections: number;
  durationMs: number;
}

export interface AgentOutcome {
  agentId: string;
  /** Notes found in the agent's own namespace, and how many of them carry another agent's id. */
  notes: number;
  foreignNotes: number;
  committed: number;
  aborted: number;
  pending: number;
  /** Most leases the agent held at once. */
  peakLeases: number;
  close: SessionCloseReport;
}

export interface MultiAgentSessionsReport extends LoadReport {
  tally: Tally;
  agents: AgentOutcome[];
  /** Leases the test took (work, retries and verification), to compare with the metrics. */
  leases: number;
  /** Writes rerun after a transaction conflict (each logged as an aborted transaction). */
  conflicts: number;
  sessionLeaseEvents: number;
}

const MAX_WRITE_ATTEMPTS = 8;

/**
 * Many agents share one pool, each through its own AgentSession in its own namespace: every write is
 * recorded in the agent's transaction log and committed once it landed. At the end each agent must
 * find exactly its own notes, every logged transaction settled, and the pool whole.
 */
export async function multiAgentSessions(size: MultiAgentSessionsSize): Promise<MultiAgentSessionsReport> {
  const manager = await createLoadManager({ minConnections: 2, maxConnections: size.maxConnections });
  try {
    const watch = new PoolWatch(manager);
    const before = manager.metrics().snapshot();
    const started = performance.now();
    const sessions = await Promise.all(
      Array.from({ length: size.agents }, (_, i) =>
        AgentSession.create(`agent-${i}`, manager, `agent_ns_${i}`),
      ),
    );
    let leases = 0;
    let conflicts = 0;
    const peaks = new Map<string, number>();
    const tally = new Tally();
    await Promise.all(
      sessions.map(async (session) => {
        const perLoop = Math.ceil(size.opsPerAgent / size.concurrencyPerAgent);
        const agentTally = await runWorkers(
          { workers: size.concurrencyPerAgent, maxOpsPerWorker: perLoop, durationMs: size.durationMs },
          async (loop, i) => {
            const k = loop * perLoop + i;
            if (k >= size.opsPerAgent) return;
            for (let attempt = 1; ; attempt++) {
              const lease = await session.acquire();
              leases++;
              peaks.set(session.agentId, Math.max(peaks.get(session.agentId) ?? 0, session.activeLeases));
              const txId = session.recordTransaction({
                type: "write",
                path: `note/${k}`,
                contentHash: `h${k}`,
              });
              try {
                await lease.db.query("CREATE note SET agent = $agent, k = $k", { agent: session.agentId, k });
                session.commitTransaction(txId);
                return;
              } catch (error) {
                session.abortTransaction(txId, String(error));
                if (attempt >= MAX_WRITE_ATTEMPTS || !isTransient(error)) throw error;
                conflicts++;
              } finally {
                await lease.release();
              }
            }
          },
        );
        tally.add(agentTally);
      }),
    );
    const agents: AgentOutcome[] = [];
    for (const session of sessions) {
      const lease = await session.acquire();
      leases++;
      let notes: { c: number; foreign: number }[];
      try {
        [notes] = await lease.db.query<[{ c: number; foreign: number }[]]>(
          "SELECT count() AS c, math::sum(IF agent != $agent THEN 1 ELSE 0 END) AS foreign FROM note GROUP ALL",
          { agent: session.agentId },
        );
      } finally {
        await lease.release();
      }
      const history = session.transactionHistory();
      agents.push({
        agentId: session.agentId,
        notes: notes[0]?.c ?? 0,
        foreignNotes: notes[0]?.foreign ?? 0,
        committed: history.filter((t) => t.status === "committed").length,
        aborted: history.filter((t) => t.status === "aborted").length,
        pending: history.filter((t) => t.status === "pending").length,
        peakLeases: peaks.get(session.agentId) ?? 0,
        close: await session.close(),
      });
    }
    const report = reportOf(manager, watch, before, started);
    const sessionLeaseEvents = watch.count("session.leaseAcquired");
    watch.stop();
    return { ...report, tally, agents, leases, conflicts, sessionLeaseEvents };
  } finally {
    await manager.shutdown({ timeoutMs: 2_000 });
  }
}
