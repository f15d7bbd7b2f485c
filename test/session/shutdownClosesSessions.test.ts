import { describe, expect, it } from "vitest";
import { ConnectionManager } from "../../src/manager/ConnectionManager.js";
import { AgentSession } from "../../src/session/AgentSession.js";

describe("manager shutdown with agent sessions still open", () => {
  it("closes them first, so their logs flush while connections exist", async () => {
    const manager = await ConnectionManager.create({ pool: { minConnections: 1, maxConnections: 4 } });
    const session = await AgentSession.create("late", manager, "late_ns", undefined, {
      sink: { flushIntervalMs: 60_000 }, // nothing flushes on its own during the test
    });
    const id = session.recordTransaction({ type: "read", path: "/README.md" });
    session.commitTransaction(id);
    const closed: string[] = [];
    manager.events$.subscribe((e) => {
      if (e.type === "session.closed" || e.type === "pool.shutdown") closed.push(e.type);
      if (e.type === "connection.retiring" && e.reason === "shutdown") closed.push("drain");
    });

    const report = await manager.shutdown({ timeoutMs: 5_000 });

    expect(report.abandoned).toEqual([]);
    expect(session.state).toBe("closed");
    expect(session.bufferedLogEvents).toBe(0);
    // Refusing new work is the call's first effect; the session closed (its log flushed) before the
    // pool began to drain its connections.
    expect(closed[0]).toBe("pool.shutdown");
    expect(closed.indexOf("session.closed")).toBeLessThan(closed.indexOf("drain"));
  });
});
