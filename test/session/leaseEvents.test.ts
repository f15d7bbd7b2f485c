// An agent's lease is no transition of its machine: the session counts its leases itself and publishes
// their events. Checked on the real engine (mem://) with many agents leasing at once: every lease has
// exactly one session.leaseAcquired and one session.leaseReleased with its own fields, on the manager's
// events$ and on the agent's own; the machine hears of no lease while active; a close counts the leases
// out (those being returned too) and waits for exactly those, forcing back what the agent keeps.

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { InspectionEvent } from "xstate";
import type { SessionEvent } from "../../src/events/SessionEvent.js";
import { AgentSession, ConnectionManager, type SessionLease } from "../../src/index.js";

let manager: ConnectionManager;

beforeEach(async () => {
  manager = await ConnectionManager.create({ pool: { minConnections: 2, maxConnections: 6 } });
});
afterEach(async () => {
  await manager.shutdown({ timeoutMs: 2_000 });
});

const isLeaseEvent = (e: {
  type: string;
}): e is Extract<SessionEvent, { type: "session.leaseAcquired" | "session.leaseReleased" }> =>
  e.type === "session.leaseAcquired" || e.type === "session.leaseReleased";

describe("agent lease events", () => {
  it("many agents leasing at once: one acquired and one released event per lease, with its own fields", async () => {
    const agents = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        AgentSession.create({ id: `ev-${i}`, manager, namespace: `ev_${i}`, maxConcurrentLeases: 2 }),
      ),
    );
    const onManager: SessionEvent[] = [];
    const onAgents = new Map<string, SessionEvent[]>();
    const sub = manager.events$.subscribe((e) => {
      if (isLeaseEvent(e)) onManager.push(e);
    });
    const subs = agents.map((a) => {
      const seen: SessionEvent[] = [];
      onAgents.set(a.agentId, seen);
      return a.events$.subscribe((e) => seen.push(e));
    });
    // Each agent's leases as they were handed out: agent, connection and endpoint to check against.
    const leases: SessionLease[] = [];
    const started = Date.now();
    await Promise.all(
      agents.flatMap((agent) =>
        Array.from({ length: 3 }, async () => {
          for (let i = 0; i < 8; i++) {
            const lease = await agent.acquire();
            leases.push(lease);
            await lease.db.query("RETURN 1");
            await lease.release();
          }
        }),
      ),
    );
    sub.unsubscribe();
    for (const s of subs) s.unsubscribe();
    const ended = Date.now();
    expect(leases).toHaveLength(12 * 3 * 8);
    expect(onManager).toHaveLength(2 * leases.length);
    for (const agent of agents) {
      const mine = leases.filter((l) => l.agentId === agent.agentId);
      const events = onManager.filter((e) => e.agentId === agent.agentId);
      // The agent's own stream carries the same events, in the same order.
      expect(onAgents.get(agent.agentId)!.filter(isLeaseEvent)).toEqual(events);
      const acquired = events.filter((e) => e.type === "session.leaseAcquired");
      const released = events.filter((e) => e.type === "session.leaseReleased");
      expect(acquired).toHaveLength(mine.length);
      expect(released).toHaveLength(mine.length);
      // Each lease's connection and endpoint, once acquired and once released, as many times as leased.
      const key = (e: { connectionId: string; endpoint: string }) => `${e.connectionId}@${e.endpoint}`;
      const expected = mine.map(key).sort();
      expect(acquired.map(key).sort()).toEqual(expected);
      expect(released.map(key).sort()).toEqual(expected);
      for (const e of acquired) {
        expect(Object.keys(e).sort()).toEqual([
          "agentId",
          "connectionId",
          "endpoint",
          "ts",
          "type",
          "waitMs",
        ]);
        expect(e.waitMs).toBeGreaterThanOrEqual(0);
        expect(e.ts).toBeGreaterThanOrEqual(started);
        expect(e.ts).toBeLessThanOrEqual(ended);
      }
      for (const e of released) {
        expect(Object.keys(e).sort()).toEqual(
          ["agentId", "connectionId", "endpoint", "forced", "heldMs", "ts", "type"].sort(),
        );
        expect(e.forced).toBe(false);
        expect(e.heldMs).toBeGreaterThanOrEqual(0);
        expect(e.ts).toBeLessThanOrEqual(ended);
      }
      // Never more out at once than the agent's cap: acquired minus released along its stream.
      let out = 0;
      for (const e of events) {
        out += e.type === "session.leaseAcquired" ? 1 : -1;
        expect(out).toBeGreaterThanOrEqual(0);
        expect(out).toBeLessThanOrEqual(2);
      }
      expect(agent.activeLeases).toBe(0);
    }
    await Promise.all(agents.map((a) => a.close()));
  });

  it("the machine hears of no lease while active, and of each one returned while closing", async () => {
    const machineEvents: string[] = [];
    const agent = await AgentSession.create({
      id: "quiet",
      manager,
      namespace: "quiet",
      inspect: (e: InspectionEvent) => {
        if (e.type === "@xstate.event" && (e.actorRef as { id?: string }).id?.startsWith("agentSession:"))
          machineEvents.push(e.event.type);
      },
    });
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let i = 0; i < 25; i++) await (await agent.acquire()).release();
      }),
    );
    expect(machineEvents.filter((t) => t.startsWith("lease."))).toEqual([]);
    const kept = await agent.acquire();
    const closing = agent.close();
    await kept.release();
    await closing;
    expect(machineEvents.filter((t) => t.startsWith("lease."))).toEqual(["lease.returned"]);
  });

  it("a close counts the leases out, those being returned too, and waits for exactly those", async () => {
    const agent = await AgentSession.create({
      id: "closer",
      manager,
      namespace: "closer",
      maxConcurrentLeases: 4,
    });
    const events: SessionEvent[] = [];
    const sub = agent.events$.subscribe((e) => events.push(e));
    const leases = await Promise.all(Array.from({ length: 4 }, () => agent.acquire()));
    // Two on their way back when the close begins, two returned during the close.
    const returning = [leases[0]!.release(), leases[1]!.release()];
    const closing = agent.close({ timeoutMs: 5_000 });
    await Promise.all([...returning, leases[2]!.release(), leases[3]!.release()]);
    const report = await closing;
    sub.unsubscribe();
    expect(report.forcedReleases).toBe(0);
    const types = events.map((e) => e.type);
    expect(events.find((e) => e.type === "session.closing")).toMatchObject({ activeLeases: 4 });
    expect(types.filter((t) => t === "session.leaseReleased")).toHaveLength(4);
    // The log is flushed and the session closed only after every lease came back.
    expect(types.lastIndexOf("session.leaseReleased")).toBeLessThan(types.indexOf("session.closed"));
    expect(agent.state).toBe("closed");
    expect(agent.activeLeases).toBe(0);
  });

  it("forces back what the agent keeps past the close's timeout, and counts it", async () => {
    const agent = await AgentSession.create({
      id: "keeper",
      manager,
      namespace: "keeper",
      maxConcurrentLeases: 3,
    });
    const events: SessionEvent[] = [];
    const sub = agent.events$.subscribe((e) => events.push(e));
    const kept = await Promise.all(Array.from({ length: 3 }, () => agent.acquire()));
    const report = await agent.close({ timeoutMs: 30 });
    sub.unsubscribe();
    expect(report.forcedReleases).toBe(3);
    expect(kept.every((l) => l.released)).toBe(true);
    expect(events.filter((e) => e.type === "session.leaseReleased")).toMatchObject([
      { forced: true },
      { forced: true },
      { forced: true },
    ]);
    expect(events.at(-1)).toMatchObject({ type: "session.closed", forcedReleases: 3 });
    expect(manager.healthStatus().inUse).toBe(0);
  });
});
