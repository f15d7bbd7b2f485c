import { describe, expect, it } from "vitest";
import { pick, timeoutFor } from "./loadSize.js";
import { multiAgentSessions } from "./scenarios/multiAgentSessions.js";
import { expectAllSucceeded, expectSettled } from "./support/expectSettled.js";

const size = pick(
  { agents: 50, opsPerAgent: 10, concurrencyPerAgent: 2, maxConnections: 20, durationMs: 15_000 },
  { agents: 200, opsPerAgent: 50, concurrencyPerAgent: 3, maxConnections: 20, durationMs: 120_000 },
);

describe("load: multi-agent concurrent sessions", () => {
  it(
    `${size.agents} AgentSessions in their own namespaces, ${size.opsPerAgent} logged writes each, one pool of ${size.maxConnections}`,
    async () => {
      const report = await multiAgentSessions(size);
      expectAllSucceeded(report.tally);
      expectSettled(report);
      for (const agent of report.agents) {
        // Each agent sees exactly its own writes, and its log says so: one committed entry per write,
        // one aborted entry per conflicted attempt, nothing left pending, nothing forced at close.
        expect(agent, agent.agentId).toMatchObject({
          notes: size.opsPerAgent,
          foreignNotes: 0,
          committed: size.opsPerAgent,
          pending: 0,
          close: { forcedReleases: 0, pendingTransactions: 0 },
        });
        expect(agent.peakLeases).toBeLessThanOrEqual(size.concurrencyPerAgent);
      }
      const aborted = report.agents.reduce((n, a) => n + a.aborted, 0);
      expect(aborted).toBe(report.conflicts);
      // Every session lease was one pool lease, and the metrics counted each.
      expect(report.sessionLeaseEvents).toBe(report.leases);
      expect(report.delta.acquisitions).toBe(report.leases);
    },
    timeoutFor(25_000, 240_000),
  );
});
