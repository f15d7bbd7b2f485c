// An agent's events$ is made when it is first read (an agent nobody watches holds no stream): read late,
// it still sees everything after it, and read after the session ended it has completed, as before.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SessionEvent } from "../../src/events/SessionEvent.js";
import { AgentSession, ConnectionManager } from "../../src/index.js";

let manager: ConnectionManager;
beforeEach(async () => {
  manager = await ConnectionManager.create({ pool: { minConnections: 1, maxConnections: 2 } });
});
afterEach(async () => {
  await manager.shutdown({ timeoutMs: 1_000 });
});

describe("an agent's events$", () => {
  it("read first after some work: sees what follows, completes at close", async () => {
    const agent = await AgentSession.create({ id: "late", manager, namespace: "late" });
    await (await agent.acquire()).release();
    agent.recordTransaction({ type: "read", path: "/a" });
    const seen: SessionEvent[] = [];
    let completed = false;
    agent.events$.subscribe({ next: (e) => seen.push(e), complete: () => (completed = true) });
    await (await agent.acquire()).release();
    await agent.close();
    expect(seen.map((e) => e.type)).toEqual([
      "session.leaseAcquired",
      "session.leaseReleased",
      "session.closing",
      "session.closed",
    ]);
    expect(completed).toBe(true);
  });

  it("read first after the end: completes at once, with nothing", async () => {
    const agent = await AgentSession.create({ id: "ended", manager, namespace: "ended" });
    await agent.close();
    const seen: SessionEvent[] = [];
    let completed = false;
    agent.events$.subscribe({ next: (e) => seen.push(e), complete: () => (completed = true) });
    expect(seen).toEqual([]);
    expect(completed).toBe(true);
  });
});
