// An agent's leases each get a SurrealDB session of the agent's own, never shared while they are out:
// reused one after another (settled in between), one per lease out at once (never more than the cap),
// and detached, not handed on, when a call of its lease may still run on it. Real embedded engine.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isLeaseReleasedError } from "../../src/errors/LeaseReleasedError.js";
import { ConnectionManager } from "../../src/manager/ConnectionManager.js";
import { AgentSession } from "../../src/session/AgentSession.js";
import type { SessionLease } from "../../src/session/SessionLease.js";

let manager: ConnectionManager;

beforeEach(async () => {
  manager = await ConnectionManager.create({ pool: { minConnections: 1, maxConnections: 8 } });
});
afterEach(async () => {
  await manager.shutdown({ timeoutMs: 2_000 });
});

async function sessionId(lease: SessionLease): Promise<string> {
  const [id] = await lease.db.query<[unknown]>("RETURN session::id()");
  return String(id);
}

describe("an agent's own sessions", () => {
  it("leases one after another reuse one session, each handed over clean", async () => {
    const agent = await AgentSession.create({
      id: "serial",
      manager,
      namespace: "serial_ns",
      database: "db",
      maxConcurrentLeases: 3,
    });
    const ids = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const lease = await agent.acquire();
      ids.add(await sessionId(lease));
      const [view] = await lease.db.query<[[string, string, unknown]]>(
        "RETURN [session::ns(), session::db(), $v]",
      );
      expect(view).toEqual(["serial_ns", "db", undefined]);
      await lease.db.use({ namespace: "elsewhere", database: "x" });
      await lease.db.set("v", i);
      await lease.release();
    }
    expect(ids.size).toBe(1);
    await agent.close();
  });

  it("leases out at once each have their own, up to the cap, and no more sessions than that", async () => {
    const agent = await AgentSession.create({
      id: "wide",
      manager,
      namespace: "wide_ns",
      maxConcurrentLeases: 3,
    });
    const seen = new Set<string>();
    for (let round = 0; round < 4; round++) {
      const leases = await Promise.all([agent.acquire(), agent.acquire(), agent.acquire()]);
      const ids = await Promise.all(leases.map(sessionId));
      expect(new Set(ids).size).toBe(3);
      for (const id of ids) seen.add(id);
      // One lease changes its session: the others do not see it.
      await leases[0]!.db.use({ namespace: "elsewhere", database: "x" });
      await leases[0]!.db.set("v", "mine");
      for (const other of leases.slice(1)) {
        const [view] = await other.db.query<[[string, unknown]]>("RETURN [session::ns(), $v]");
        expect(view).toEqual(["wide_ns", undefined]);
      }
      await Promise.all(leases.map((l) => l.release()));
    }
    // The same three sessions, round after round.
    expect(seen.size).toBe(3);
    await agent.close();
  });

  it("a session whose lease was released with a call still running is detached, not handed on", async () => {
    const agent = await AgentSession.create({
      id: "cut",
      manager,
      namespace: "cut_ns",
      maxConcurrentLeases: 1,
    });
    const first = await agent.acquire();
    const firstId = await sessionId(first);
    const slow = first.db.query("SLEEP 300ms; CREATE late SET at = time::now()");
    const cut = slow.then(
      () => "finished",
      (error: unknown) => error,
    );
    await first.release();
    expect(isLeaseReleasedError(await cut)).toBe(true);
    const next = await agent.acquire();
    expect(await sessionId(next)).not.toBe(firstId);
    await next.release();
    // A clean release hands its session on.
    const again = await agent.acquire();
    const againId = await sessionId(again);
    await again.release();
    const last = await agent.acquire();
    expect(await sessionId(last)).toBe(againId);
    await last.release();
    await agent.close();
  });
});
