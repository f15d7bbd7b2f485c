import { firstValueFrom, lastValueFrom, toArray } from "rxjs";
import { take } from "rxjs/operators";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isConfigError } from "../../src/errors/ConfigError.js";
import type { PoolEvent } from "../../src/events/PoolEvent.js";
import { AgentSession } from "../../src/session/AgentSession.js";
import { agentLog$, TXLOG_EVENT_TYPES } from "../../src/session/agentLog.js";
import { isLogBufferFullError } from "../../src/session/errors/LogBufferFullError.js";
import { isLogFlushError } from "../../src/session/errors/LogFlushError.js";
import { isSessionAcquireAbortedError } from "../../src/session/errors/SessionAcquireAbortedError.js";
import { isSessionAcquireTimeoutError } from "../../src/session/errors/SessionAcquireTimeoutError.js";
import { isSessionClosedError } from "../../src/session/errors/SessionClosedError.js";
import { isSessionConflictError } from "../../src/session/errors/SessionConflictError.js";
import { isTransactionLogError } from "../../src/session/errors/TransactionLogError.js";
import { loadTxLogEvents } from "../../src/session/SurrealTxLogStore.js";
import { FakePool } from "./support/FakePool.js";

let pool: FakePool;
const open: AgentSession[] = [];

async function session(
  agentId: string,
  namespace: string,
  options: Parameters<typeof AgentSession.create>[4] = {},
) {
  const s = await AgentSession.create(agentId, pool, namespace, undefined, options);
  open.push(s);
  return s;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: unknown) => e,
  );
}

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error("expected a throw");
}

beforeEach(async () => {
  pool = await FakePool.create({ maxConnections: 4 });
});
afterEach(async () => {
  pool.failWith = null;
  await Promise.allSettled(open.splice(0).map((s) => s.close({ timeoutMs: 10 })));
  await pool.close();
});

describe("AgentSession", () => {
  it("opens in its namespace and announces itself on the manager's events$", async () => {
    const created = firstValueFrom(pool.events$);
    const s = await session("agent-1", "ns_1");
    expect(s.state).toBe("active");
    expect(s.database).toBe("pool_db");
    expect(s.maxConcurrentLeases).toBe(2); // max(1, floor(4 / 2))
    expect(await created).toMatchObject({
      type: "session.created",
      agentId: "agent-1",
      namespace: "ns_1",
      database: "pool_db",
      restoredEvents: 0,
      ts: expect.any(Number),
    });
  });

  it("leases connections switched to its namespace, and keeps agents' data apart", async () => {
    const a = await session("agent-a", "ns_a");
    const b = await session("agent-b", "ns_b", {});
    for (const [s, text] of [
      [a, "from a"],
      [b, "from b"],
    ] as const) {
      await using lease = await s.acquire();
      const [where] = await lease.db.query<[string[]]>("RETURN [session::ns(), session::db()]");
      expect(where).toEqual([s.namespace, "pool_db"]);
      await lease.db.query("CREATE note SET text = $text", { text });
    }
    for (const [s, text] of [
      [a, "from a"],
      [b, "from b"],
    ] as const) {
      const lease = await s.acquire();
      try {
        const [rows] = await lease.db.query<[{ text: string }[]]>("SELECT text FROM note");
        expect(rows).toEqual([{ text }]);
      } finally {
        await lease.release();
      }
    }
    expect(a.activeLeases).toBe(0);
    expect(pool.inUse).toBe(0);
  });

  it("is fair: a greedy agent holds at most its cap, and another agent still gets through", async () => {
    const greedy = await session("greedy", "ns_g");
    const polite = await session("polite", "ns_p");
    // A wait far longer than the test: a queued acquire must not time out on a loaded machine.
    const grabs = Array.from({ length: 10 }, () => greedy.acquire({ timeoutMs: 30_000 }));
    // Should an assertion below fail, afterEach closes the session and rejects these: no unhandled rejection.
    for (const grab of grabs) grab.catch(() => {});
    // Wait (bounded) for the cap to fill rather than for a fixed time: a loaded machine is slower.
    const deadline = performance.now() + 20_000;
    while (greedy.activeLeases < 2 && performance.now() < deadline)
      await new Promise((r) => setTimeout(r, 5));
    expect(greedy.activeLeases).toBe(2);
    expect(greedy.queuedAcquires).toBe(8);
    const lease = await polite.acquire({ timeoutMs: 10_000 });
    expect(lease.connectionId).toBeTruthy();
    await lease.release();
    // The greedy agent's queue drains as it releases, never above its cap.
    let peak = 0;
    await Promise.all(
      grabs.map(async (p) => {
        const l = await p;
        peak = Math.max(peak, greedy.activeLeases);
        await new Promise((r) => setTimeout(r, 2));
        await l.release();
      }),
    );
    expect(peak).toBeLessThanOrEqual(2);
    expect(pool.peakInUse).toBeLessThanOrEqual(4);
  });

  it("times out or aborts in its own queue with typed errors, and frees nothing it did not take", async () => {
    const s = await session("waiter", "ns_w", { maxConcurrentLeases: 1 });
    const held = await s.acquire();
    const timedOut = await rejection(s.acquire({ timeoutMs: 20 }));
    expect(isSessionAcquireTimeoutError(timedOut)).toBe(true);
    expect(timedOut).toMatchObject({ code: "ACQUIRE_TIMEOUT", queue: "session" });
    expect((timedOut as Error).message).toMatch(/maxConcurrentLeases/);
    const controller = new AbortController();
    const aborted = s.acquire({ signal: controller.signal });
    controller.abort(new Error("user gave up"));
    const error = await rejection(aborted);
    expect(isSessionAcquireAbortedError(error)).toBe(true);
    expect(error).toMatchObject({ code: "ACQUIRE_ABORTED", cause: { message: "user gave up" } });
    expect(s.queuedAcquires).toBe(0);
    await held.release();
    await held.release(); // idempotent
    const again = await s.acquire({ timeoutMs: 100 });
    await again.release();
    expect(pool.inUse).toBe(0);
  });

  it("closing waits for its leases, aborts its queued acquires and refuses new work", async () => {
    const s = await session("closer", "ns_c", { maxConcurrentLeases: 1 });
    const txId = s.recordTransaction({ type: "write", path: "/a", contentHash: "h" });
    const held = await s.acquire();
    const queued = s.acquire();
    const closing = s.close();
    expect(s.state).toBe("closing");
    expect(isSessionClosedError(await rejection(queued))).toBe(true);
    expect(isSessionClosedError(await rejection(s.acquire()))).toBe(true);
    expect(isSessionClosedError(caught(() => s.recordTransaction({ type: "read", path: "/b" })))).toBe(true);
    s.commitTransaction(txId); // in-flight work may still settle while the session drains
    let closed = false;
    void closing.then(() => {
      closed = true;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(closed).toBe(false);
    await held.release();
    expect(await closing).toEqual({
      agentId: "closer",
      forcedReleases: 0,
      pendingTransactions: 0,
      logEvents: 2,
    });
    expect(s.state).toBe("closed");
    expect(pool.inUse).toBe(0);
    expect(s.close()).toBe(s.close()); // idempotent
    expect(isSessionClosedError(caught(() => s.commitTransaction(txId)))).toBe(true);
    expect(s.transactionHistory()[0]?.status).toBe("committed"); // history stays readable
  });

  it("releases leases the agent keeps past the close timeout", async () => {
    const s = await session("keeper", "ns_k");
    await s.acquire();
    await s.acquire();
    const events: PoolEvent[] = [];
    const sub = pool.events$.subscribe((e) => events.push(e));
    const report = await s.close({ timeoutMs: 30 });
    sub.unsubscribe();
    expect(report.forcedReleases).toBe(2);
    expect(pool.inUse).toBe(0);
    expect(events.filter((e) => e.type === "session.leaseReleased")).toMatchObject([
      { forced: true },
      { forced: true },
    ]);
    expect(events.at(-1)).toMatchObject({ type: "session.closed", forcedReleases: 2 });
  });

  it("publishes every log change on session.events$, the manager's events$ and agentLog$", async () => {
    const s = await session("logger", "ns_l");
    const other = await session("other", "ns_o");
    const own = lastValueFrom(s.events$.pipe(toArray()));
    const global = lastValueFrom(
      agentLog$(pool, { agentId: "logger", types: TXLOG_EVENT_TYPES }).pipe(take(3), toArray()),
    );
    const everyone = lastValueFrom(agentLog$(pool, { types: ["txlog.recorded"] }).pipe(take(2), toArray()));
    const id = s.recordTransaction({ type: "query", text: "SELECT 1" });
    other.recordTransaction({ type: "read", path: "/x" });
    const id2 = s.recordTransaction({ type: "custom", kind: "plan", data: { steps: 3 } });
    s.commitTransaction(id);
    s.abortTransaction(id2, "replanned");
    expect((await global).map((e) => [e.type, e.seq])).toEqual([
      ["txlog.recorded", 1],
      ["txlog.recorded", 2],
      ["txlog.committed", 3],
    ]);
    expect((await everyone).map((e) => e.agentId)).toEqual(["logger", "other"]);
    await s.close();
    const events = await own;
    expect(events.map((e) => e.type)).toEqual([
      "txlog.recorded",
      "txlog.recorded",
      "txlog.committed",
      "txlog.aborted",
      "session.closing",
      "session.closed",
    ]);
    expect(events.filter((e) => e.type.startsWith("txlog."))).toEqual(s.logEvents());
  });

  it("refuses a second open session for one agent", async () => {
    await session("twin", "ns_t");
    const error = await rejection(AgentSession.create("twin", pool, "ns_t2"));
    expect(isSessionConflictError(error)).toBe(true);
  });

  it("validates its inputs with messages naming the option", async () => {
    const bad = await rejection(AgentSession.create("x", pool, "ns", undefined, { maxConcurrentLeases: 0 }));
    expect(isConfigError(bad)).toBe(true);
    expect((bad as Error).message).toMatch(/agentSession.maxConcurrentLeases/);
    expect(isConfigError(await rejection(AgentSession.create("", pool, "ns")))).toBe(true);
    expect(
      isConfigError(
        await rejection(AgentSession.create("x", pool, "ns", undefined, { sink: { table: "a-b" } })),
      ),
    ).toBe(true);
    await expect(AgentSession.create("x", { ...pool, config: pool.config } as never, "ns")).rejects.toThrow(
      /must be a ConnectionManager/,
    );
    const lookalike = { acquire: pool.acquire.bind(pool), events$: pool.events$, config: pool.config };
    await expect(AgentSession.create("x", lookalike as never, "ns")).rejects.toThrow(
      /is not a surreal-pool ConnectionManager/,
    );
    // Nothing was left claimed by the failed attempts.
    await session("x", "ns");
  });
});

describe("AgentSession with a durable log", () => {
  const sink = { flushIntervalMs: 10 };

  it("writes its log to SurrealDB and restores the identical history, continuing the same log", async () => {
    const s = await session("durable", "ns_d", { sink });
    const w = s.recordTransaction({ type: "write", path: "/src/main.rs", contentHash: "abc123" });
    const r = s.recordTransaction({ type: "read", path: "/README.md" });
    s.recordTransaction({ type: "custom", kind: "tool.call", data: { tool: "grep", args: ["x"] } });
    s.commitTransaction(w);
    s.abortTransaction(r, "not needed");
    await s.flush();
    expect(s.bufferedLogEvents).toBe(0);
    const history = s.transactionHistory();
    await s.close();

    const restored = await AgentSession.restore("durable", pool, { sink });
    open.push(restored);
    expect(restored.namespace).toBe("ns_d");
    expect(restored.transactionHistory()).toEqual(history);
    expect(restored.logEvents()).toEqual(s.logEvents());
    const q = restored.recordTransaction({ type: "query", text: "SELECT * FROM note" });
    restored.commitTransaction(q);
    expect(restored.logEvents().at(-1)?.seq).toBe(7);
    const report = await restored.close();
    expect(report).toMatchObject({ logEvents: 7, pendingTransactions: 1 });

    const again = await AgentSession.restore("durable", pool, { sink });
    open.push(again);
    expect(again.transactionHistory()).toEqual(restored.transactionHistory());
  });

  it("refuses to create over a stored log (that would fork it), and restores only known agents", async () => {
    const s = await session("stored", "ns_s", { sink });
    s.recordTransaction({ type: "read", path: "/a" });
    await s.close();
    const fork = await rejection(AgentSession.create("stored", pool, "ns_s", undefined, { sink }));
    expect(isSessionConflictError(fork)).toBe(true);
    expect((fork as Error).message).toMatch(/AgentSession.restore/);

    const unknown = await rejection(AgentSession.restore("never-seen", pool));
    expect(isTransactionLogError(unknown)).toBe(true);
    expect(unknown).toMatchObject({ reason: "unknownAgent" });
    const fresh = await AgentSession.restore("never-seen", pool, { namespace: "ns_new" });
    open.push(fresh);
    expect(fresh.transactionHistory()).toEqual([]);
    expect(fresh.namespace).toBe("ns_new");
  });

  it("refuses new log changes when the buffer is full, loses nothing, and catches up when the database returns", async () => {
    const s = await session("buffered", "ns_b", {
      sink: { flushIntervalMs: 10, maxBatchSize: 2, maxBufferedEvents: 3 },
    });
    pool.failWith = new Error("database unreachable");
    const ids = [1, 2, 3].map((i) => s.recordTransaction({ type: "read", path: `/${i}` }));
    const full = caught(() => s.recordTransaction({ type: "read", path: "/4" }));
    expect(isLogBufferFullError(full)).toBe(true);
    expect(full).toMatchObject({ code: "LOG_BUFFER_FULL", capacity: 3 });
    expect(isLogBufferFullError(caught(() => s.commitTransaction(ids[0]!)))).toBe(true);
    expect(s.transactionHistory()).toHaveLength(3); // the refused change left no trace
    expect(s.logEvents()).toHaveLength(3);
    const flushError = await rejection(s.flush());
    expect(isLogFlushError(flushError)).toBe(true);
    expect((flushError as Error).message).toMatch(/database unreachable/);

    pool.failWith = null;
    await s.flush();
    s.commitTransaction(ids[0]!);
    await s.close();
    const [stored] = await Promise.all([
      (async () => {
        const lease = await pool.acquire();
        try {
          return await loadTxLogEvents(lease.db, "txlog", "buffered");
        } finally {
          await lease.release();
        }
      })(),
    ]);
    expect(stored.events).toEqual(s.logEvents());
  });

  it("fails its close when the log cannot be written, and a later flush still makes it durable", async () => {
    const s = await session("unlucky", "ns_u", { sink: { flushIntervalMs: 1_000 } });
    const id = s.recordTransaction({ type: "delete", path: "/tmp" });
    s.commitTransaction(id);
    pool.failWith = new Error("database unreachable");
    const failure = await rejection(s.close());
    expect(isLogFlushError(failure)).toBe(true);
    expect(s.state).toBe("failed");
    expect(s.bufferedLogEvents).toBe(2);
    pool.failWith = null;
    // Its log is not all written yet: no second session may take the agent's log over.
    expect(isSessionConflictError(await rejection(AgentSession.restore("unlucky", pool)))).toBe(true);
    await s.flush();
    const restored = await AgentSession.restore("unlucky", pool);
    open.push(restored);
    expect(restored.transactionHistory()).toEqual(s.transactionHistory());
  });
});
