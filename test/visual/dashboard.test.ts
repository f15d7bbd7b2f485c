import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DashboardModel } from "../../src/dashboard/DashboardModel.js";
import type { DashboardServer } from "../../src/dashboard/serveDashboard.js";
import type { DashboardFrame, DashboardSnapshot } from "../../src/dashboard/types.js";
import type { PoolEvent } from "../../src/events/PoolEvent.js";
import { ConnectionManager } from "../../src/manager/ConnectionManager.js";

type Unstamped<E = PoolEvent> = E extends unknown ? Omit<E, "ts"> : never;

/** Reads Server-Sent Events from `url` until `until` says stop (or the stream ends). */
async function readSse(
  url: string,
  until: (events: { event: string; data: string }[]) => boolean,
  timeoutMs = 5_000,
): Promise<{ event: string; data: string }[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const events: { event: string; data: string }[] = [];
  try {
    const res = await fetch(url, { signal: controller.signal });
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    while (!until(events)) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end = buffer.indexOf("\n\n");
      while (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data) events.push({ event, data });
        end = buffer.indexOf("\n\n");
      }
    }
    await reader.cancel().catch(() => {});
  } finally {
    clearTimeout(timer);
  }
  return events;
}

describe("DashboardModel: the fold behind the page", () => {
  const ref = { connectionId: "c1", endpoint: "mem://" };
  const at = (e: Unstamped) => ({ ...e, ts: 1 }) as PoolEvent;

  it("splits ready into idle and leased, and coalesces a frame's changes", () => {
    const model = new DashboardModel([{ id: "c0", endpoint: "mem://", state: "ready", lease: {}, uses: 3 }]);
    expect(model.current().connections).toEqual([{ id: "c0", endpoint: "mem://", state: "leased", uses: 3 }]);
    model.apply(at({ type: "connection.connecting", ...ref }));
    model.apply(at({ type: "connection.opened", ...ref, durationMs: 1 }));
    for (let i = 0; i < 100; i++) {
      model.apply(
        at({ type: "lease.acquired", ...ref, requestId: i, reused: i > 0, queued: false, waitMs: i % 3 }),
      );
      model.apply(at({ type: "lease.released", ...ref, heldMs: 1 }));
    }
    const frame = model.takeChanges();
    expect(frame.connections).toEqual([{ id: "c1", endpoint: "mem://", state: "idle", uses: 100 }]);
    expect(model.takeChanges().connections).toEqual([]);
  });

  it("a release after the connection went on to retire does not paint it idle", () => {
    const model = new DashboardModel();
    model.apply(at({ type: "connection.retiring", ...ref, reason: "broken" }));
    model.apply(at({ type: "lease.released", ...ref, heldMs: 1 }));
    expect(model.takeChanges().connections[0]?.state).toBe("retiring");
    model.apply(at({ type: "connection.closed", ...ref, wasOpen: true }));
    expect(model.takeChanges().connections[0]?.state).toBe("closed");
    expect(model.current().connections).toEqual([]); // forgotten once reported
  });

  it("follows agent sessions and bounds the log a frame carries", () => {
    const model = new DashboardModel();
    const s = { agentId: "a1", ts: 1 };
    model.apply({ ...s, type: "session.created", namespace: "n", database: "d", restoredEvents: 0 });
    for (let seq = 1; seq <= 500; seq++) {
      model.apply({
        ...s,
        type: "txlog.recorded",
        seq,
        txId: `t${seq}`,
        operation: { type: "read", path: "/x" },
      });
    }
    model.apply({ ...s, type: "txlog.committed", seq: 501, txId: "t1" });
    const frame = model.takeChanges();
    expect(frame.sessions).toEqual([
      {
        agentId: "a1",
        state: "active",
        namespace: "n",
        database: "d",
        leases: 0,
        pending: 499,
        committed: 1,
        aborted: 0,
        lastSeq: 501,
        durableSeq: 0,
      },
    ]);
    expect(frame.sessionLog.length).toBe(200);
    expect(frame.droppedLog).toBe(302);
    expect(model.current().sessionLog.at(-1)).toMatchObject({ seq: 502, text: "#501 t1 committed" });
  });
});

describe("serveDashboard on the embedded engine", () => {
  let manager: ConnectionManager;
  let dashboard: DashboardServer;

  beforeAll(async () => {
    manager = await ConnectionManager.create({
      mode: { kind: "local", endpoint: "mem://" },
      pool: { minConnections: 2, maxConnections: 3 },
    });
    dashboard = await manager.serveDashboard({ intervalMs: 100 });
  });

  afterAll(async () => {
    await dashboard?.close();
    await manager?.shutdown({ timeoutMs: 2_000 });
  });

  it("listens on 127.0.0.1 and serves one self-contained page", async () => {
    expect(dashboard.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const res = await fetch(dashboard.url);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    const html = await res.text();
    expect(html).toContain("<script>");
    expect(html).toContain('new EventSource("events")');
    // Nothing loaded from elsewhere: no external scripts, styles, fonts or images.
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/@import|url\(/i);
    expect((await fetch(`${dashboard.url}nope`)).status).toBe(404);
  });

  it("streams a snapshot on connect, then frames as the pool works", async () => {
    const working = (async () => {
      for (let i = 0; i < 40; i++) {
        const lease = await manager.acquire();
        await lease.db.query("RETURN 1");
        await lease.release();
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    const events = await readSse(
      `${dashboard.url}events`,
      (e) => e.filter((x) => x.event === "frame").length >= 4,
    );
    await working;
    expect(events[0]?.event).toBe("snapshot");
    const snapshot = JSON.parse(events[0]!.data) as DashboardSnapshot;
    expect(snapshot.mode).toBe("local");
    expect(snapshot.endpoints).toEqual(["mem://"]);
    expect(snapshot.connections.length).toBe(2);
    expect(snapshot.breakers.map((b) => b.state)).toEqual(["closed"]);
    const frames = events.filter((e) => e.event === "frame").map((e) => JSON.parse(e.data) as DashboardFrame);
    expect(frames.reduce((n, f) => n + f.acquisitions, 0)).toBeGreaterThan(0);
    expect(frames.at(-1)!.metrics.acquisitions).toBeGreaterThan(snapshot.metrics.acquisitions);
    expect(frames.every((f) => f.dtMs >= 0 && f.health.state === "running")).toBe(true);
  });

  it("serves the state as JSON and the Prometheus text next to the page", async () => {
    const json = (await (await fetch(`${dashboard.url}snapshot.json`)).json()) as DashboardSnapshot & {
      feed: { events: number };
    };
    expect(json.health.poolSize).toBeGreaterThanOrEqual(2);
    expect(json.feed.events).toBeGreaterThan(0);
    const metrics = await (await fetch(`${dashboard.url}metrics`)).text();
    expect(metrics).toContain("# TYPE surreal_pool_acquisitions_total counter");
  });

  it("close() ends open streams and stops the server", async () => {
    const own = await manager.serveDashboard({ intervalMs: 50 });
    const reading = readSse(`${own.url}events`, () => false, 5_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = Date.now();
    await own.close();
    const events = await reading; // ends because the server ended the stream, not by timeout
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(events[0]?.event).toBe("snapshot");
    await expect(fetch(own.url)).rejects.toThrow();
  });
});
