import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createWebSocketReceiver, type StatelyInspectionEvent } from "@statelyai/inspect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InspectionTally } from "../../scripts/inspect/InspectionTally.js";
import { freePort, type LocalInspector, startLocalInspector } from "../../scripts/inspect/localInspector.js";
import { ConnectionManager } from "../../src/manager/ConnectionManager.js";
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
      // So does every live subscription.
      await manager.query("DEFINE TABLE inspected SCHEMALESS");
      const changes: unknown[] = [];
      let subscribed = false;
      const watch = manager.events$.subscribe((e) => {
        if (e.type === "live.subscribed") subscribed = true;
      });
      const live = manager.live("inspected").subscribe((n) => changes.push(n));
      await until(() => subscribed, "the subscription");
      watch.unsubscribe();
      await manager.query("CREATE inspected:one SET n = 1");
      await until(() => changes.length === 1, "its first change");
      live.unsubscribe();
      // An agent session takes the manager's `inspect` too.
      const session = await AgentSession.create("agent-1", manager, "agents", "a1");
      const lease = await session.acquire();
      await lease.db.query("RETURN 1");
      session.commitTransaction(
        session.recordTransaction({ type: "write", path: "/a.md", contentHash: "h" }),
      );
      // Closed with the lease still out: the machine waits for it, and hears it come back.
      const closing = session.close();
      await lease.release();
      await closing;
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
    for (const state of ["connecting", "ready", "retiring", "closed"]) expect(c!.states).toContain(state);
    // The embedded engine's health pass: one engine ping, each session's verdict sent as connection.checked.
    expect(c!.eventTypes).toContain("connection.checked");
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
    // A lease is no transition while active; one returned while closing is.
    for (const type of ["lease.returned", "txlog.record", "txlog.settle", "session.close"]) {
      expect(a!.eventTypes).toContain(type);
    }
  });

  it("live subscriptions: registering -> live -> ended", () => {
    const l = inspector.tally.kinds.get("liveSubscription");
    expect(l, `kinds received: ${[...inspector.tally.kinds.keys()].join(", ")}`).toBeDefined();
    expect(l!.actors).toBe(1);
    expect([...l!.states].some((s) => s.includes("registering"))).toBe(true);
    for (const state of ["live", "ended"]) expect(l!.states).toContain(state);
  });

  it("nothing arrives from an actor the receiver was not told about", () => {
    expect(inspector.tally.kinds.has("unknown")).toBe(false);
    expect(inspector.tally.total).toBeGreaterThan(50);
  });
});

/** A viewer (what Stately's page is to the server): a receiver that tallies and timestamps arrivals. */
function connectViewer(port: number) {
  const tally = new InspectionTally();
  const arrivals: number[] = [];
  createWebSocketReceiver({ server: `ws://127.0.0.1:${port}` }).subscribe((event: StatelyInspectionEvent) => {
    arrivals.push(Date.now());
    tally.add(event);
  });
  return { tally, arrivals };
}

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("the inspection stream is live, not a replay", () => {
  it("a viewer connected before the pool sees its machines while the pool is still working", async () => {
    const inspector = await startLocalInspector();
    try {
      const viewer = connectViewer(inspector.port);
      expect(await inspector.waitForViewer(5_000)).toBe(true);
      const manager = await ConnectionManager.create({
        mode: { kind: "local", endpoint: "mem://" },
        pool: { minConnections: 2, maxConnections: 2 },
        inspect: inspector.inspect,
      });
      try {
        const lease = await manager.acquire();
        try {
          // Still leased and the pool still running: the viewer already has the connection machines,
          // in the state they reached, and the breaker.
          await until(
            () => viewer.tally.kinds.get("connection")?.states.has("ready") ?? false,
            "the viewer to receive a connection machine in `ready`",
          );
          expect(viewer.tally.kinds.get("connection")!.actors).toBe(2);
          expect(viewer.tally.kinds.get("circuitBreaker")?.actors).toBe(1);
          expect(viewer.tally.kinds.get("connection")!.states.has("retiring")).toBe(false);
          await lease.db.query("RETURN 1");
        } finally {
          await lease.release();
        }
      } finally {
        await manager.shutdown({ timeoutMs: 2_000 });
      }
      await until(() => viewer.tally.kinds.get("connection")!.states.has("closed"), "the shutdown's events");
    } finally {
      await inspector.close();
    }
  });

  it("npm run inspect -- --live waits for a viewer, then streams the whole workload to it as it runs", async () => {
    const port = await freePort();
    const script = fileURLToPath(new URL("../../scripts/inspect.ts", import.meta.url));
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
    const child = spawn(
      process.execPath,
      ["--import", tsx, script, "--live", `--port=${port}`, "--seconds=2", "--wait=30", "--no-drill"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    const lines: { text: string; at: number }[] = [];
    let stderr = "";
    let buffered = "";
    child.stdout.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      const parts = buffered.split("\n");
      buffered = parts.pop() ?? "";
      for (const text of parts) lines.push({ text, at: Date.now() });
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once("close", resolve));
    const killer = setTimeout(() => child.kill("SIGKILL"), 90_000);
    const seen = (prefix: string) => lines.find((l) => l.text.startsWith(prefix));
    try {
      await until(
        () => seen("open http://localhost") !== undefined || child.exitCode !== null,
        "the page URL",
        30_000,
      );
      expect(seen("open http://localhost"), stderr).toBeDefined();
      // It waits: nothing runs before someone watches.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(seen("workload started")).toBeUndefined();

      const viewer = connectViewer(port);
      expect(await exited, stderr).toBe(0);
      const started = seen("workload started")!;
      const finished = seen("workload finished")!;
      expect(started).toBeDefined();
      expect(finished).toBeDefined();
      // Events reached the viewer while the workload ran, not in a burst after it ended.
      expect(viewer.arrivals.filter((t) => t < finished.at).length).toBeGreaterThan(20);
      // And all of them: as many as the script's own receiver counted, more than the server's
      // 200-event replay buffer could hold.
      const total = Number(/received by the receiver: (\d+)/.exec(lines.map((l) => l.text).join("\n"))?.[1]);
      expect(total).toBeGreaterThan(200);
      await until(() => viewer.tally.total >= total, `the viewer to have all ${total} events`, 5_000);
      expect(viewer.tally.total).toBe(total);
      for (const kind of ["connection", "circuitBreaker", "agentSession"]) {
        expect(viewer.tally.kinds.get(kind)?.actors ?? 0, kind).toBeGreaterThan(0);
      }
    } finally {
      clearTimeout(killer);
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  }, 120_000);
});
