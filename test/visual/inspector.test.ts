import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalInspector, startLocalInspector } from "../../scripts/inspect/localInspector.js";
import { ConnectionManager } from "../../src/pool/ConnectionManager.js";
import { AgentSession } from "../../src/session/AgentSession.js";

/**
 * The pool's `inspect` option reaches every kind of machine the pool creates (connections, the
 * endpoint's breaker, agent sessions), and their inspection events travel the whole way a Stately
 * inspector would get them: createWebSocketInspector -> createInspectorServer (the package's `server`
 * entry, on 127.0.0.1) -> createWebSocketReceiver.
 */
describe("inspection stream over a loopback WebSocket", () => {
  let inspector: LocalInspector;

  beforeAll(async () => {
    inspector = await startLocalInspector();
    const manager = await ConnectionManager.create({
      mode: { kind: "local", endpoint: "mem://" },
      pool: { minConnections: 2, maxConnections: 3, retryPolicy: { maxAttempts: 1 } },
      circuitBreaker: { failureThreshold: 2, resetTimeoutMs: 100 },
      inspect: inspector.inspect,
    });
    try {
      for (let i = 0; i < 5; i++) {
        const lease = await manager.acquire();
        await lease.db.query("RETURN 1");
        await lease.release();
      }
      await manager.healthCheck(); // connection machines: ready -> validating -> ready
      // Two connection-level failures open the breaker; after its reset timeout a success closes it.
      const lost = () => Object.assign(new Error("connection reset (test)"), { code: "ECONNRESET" });
      for (let i = 0; i < 2; i++) {
        await expect(
          manager.executeWithRetry(async () => {
            throw lost();
          }),
        ).rejects.toThrow();
      }
      expect(manager.breakers()[0]?.state).toBe("open");
      await new Promise((resolve) => setTimeout(resolve, 150));
      await manager.executeWithRetry((db) => db.query("RETURN 1"));
      expect(manager.breakers()[0]?.state).toBe("closed");
      // An agent session takes the manager's `inspect` too.
      const session = await AgentSession.create("agent-1", manager, "agents", "a1");
      const lease = await session.acquire();
      await lease.db.query("RETURN 1");
      await lease.release();
      session.commitTransaction(
        session.recordTransaction({ type: "write", path: "/a.md", contentHash: "h" }),
      );
      await session.close();
    } finally {
      await manager.shutdown({ timeoutMs: 2_000 }); // connection machines: retiring -> closed
    }
    await inspector.settle();
  });

  afterAll(async () => {
    await inspector?.close();
  });

  it("connection machines: created, every state change, every event", () => {
    const c = inspector.tally.kinds.get("connection");
    expect(c, `kinds received: ${[...inspector.tally.kinds.keys()].join(", ")}`).toBeDefined();
    expect(c!.actors).toBeGreaterThanOrEqual(2);
    expect(c!.snapshot).toBeGreaterThan(c!.actors);
    expect(c!.event).toBeGreaterThan(c!.actors);
    for (const state of ["connecting", "ready", "validating", "retiring", "closed"])
      expect(c!.states).toContain(state);
    expect(c!.eventTypes).toContain("connection.validate");
    expect(c!.eventTypes).toContain("connection.retire");
    // The connect, ping and close promises the machines invoke are inspected too.
    expect(inspector.tally.kinds.get("connection.invoked")?.actors ?? 0).toBeGreaterThan(0);
  });

  it("the endpoint's circuit breaker (mem:// has one too): closed -> open -> halfOpen -> closed", () => {
    const b = inspector.tally.kinds.get("circuitBreaker");
    expect(b).toBeDefined();
    expect(b!.actors).toBe(1);
    expect(b!.states).toEqual(new Set(["closed", JSON.stringify({ open: "cooling" }), "halfOpen"]));
    expect(b!.eventTypes).toContain("breaker.failure");
    expect(b!.eventTypes).toContain("breaker.success");
  });

  it("agent sessions: creating -> active -> closing -> closed, with leases and log events", () => {
    const a = inspector.tally.kinds.get("agentSession");
    expect(a).toBeDefined();
    expect(a!.actors).toBe(1);
    for (const state of ["creating", "active", "closed"]) expect(a!.states).toContain(state);
    expect([...a!.states].some((s) => s.includes("closing"))).toBe(true);
    for (const type of ["lease.granted", "lease.returned", "txlog.record", "txlog.settle", "session.close"]) {
      expect(a!.eventTypes).toContain(type);
    }
  });

  it("nothing arrives from an actor the receiver was not told about", () => {
    expect(inspector.tally.kinds.has("unknown")).toBe(false);
    expect(inspector.tally.total).toBeGreaterThan(50);
  });
});
