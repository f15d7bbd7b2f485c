// manager.transaction() on the embedded engine: commit, cancel on throw / timeout / abort, a write
// conflict retried (the whole fn again), bad arguments refused before anything runs.
import { afterEach, describe, expect, it } from "vitest";
import {
  ConnectionManager,
  isArgumentError,
  isOperationTimeoutError,
  isRetriesExhaustedError,
  type PoolEvent,
} from "../../src/index.js";

let manager: ConnectionManager | undefined;
let events: PoolEvent[] = [];

async function open(pool: Record<string, unknown> = {}) {
  events = [];
  manager = await ConnectionManager.create({
    namespace: "t",
    database: "t",
    events: (e) => events.push(e),
    pool: {
      minConnections: 2,
      maxConnections: 4,
      retryPolicy: { maxAttempts: 3, initialBackoffMs: 5, maxBackoffMs: 20, multiplier: 2 },
      ...pool,
    },
  });
  return manager;
}

const ofType = <T extends PoolEvent["type"]>(type: T) =>
  events.filter((e): e is Extract<PoolEvent, { type: T }> => e.type === type);

async function count(m: ConnectionManager, table: string): Promise<number> {
  const [n] = await m.executeWithRetry((db) => db.query<[number]>(`RETURN count(SELECT * FROM ${table})`));
  return n;
}

afterEach(async () => {
  await manager?.shutdown({ timeoutMs: 2_000 });
  manager = undefined;
});

describe("manager.transaction()", () => {
  it("commits when fn resolves, returning its value; the writes are visible after", async () => {
    const m = await open();
    const value = await m.transaction(async (tx) => {
      await tx.query("CREATE item:1 SET n = 1; CREATE item:2 SET n = 2");
      const [rows] = await tx.query<[{ n: number }[]]>("SELECT n FROM item ORDER BY n");
      return rows.map((r) => r.n);
    });
    expect(value).toEqual([1, 2]);
    expect(await count(m, "item")).toBe(2);
    expect(ofType("transaction.began")).toHaveLength(1);
    expect(ofType("transaction.committed")).toEqual([
      expect.objectContaining({ attempts: 1, endpoint: "mem://" }),
    ]);
    expect(ofType("transaction.cancelled")).toHaveLength(0);
    const s = m.metrics().snapshot();
    expect([s.transactionsBegun, s.transactionsCommitted, s.transactionsCancelled]).toEqual([1, 1, 0]);
    // The lease went back: nothing in use, no transaction left on it.
    expect(m.healthStatus().inUse).toBe(0);
  });

  it("cancels when fn throws: its writes are not visible, the error is fn's own and is not retried", async () => {
    const m = await open();
    const mine = new Error("business rule says no");
    const error = await m
      .transaction(async (tx) => {
        await tx.query("CREATE item:1");
        throw mine;
      })
      .catch((e: unknown) => e);
    expect(error).toBe(mine);
    await m.executeWithRetry((db) => db.query("DEFINE TABLE IF NOT EXISTS item"));
    expect(await count(m, "item")).toBe(0);
    expect(ofType("transaction.began")).toHaveLength(1);
    expect(ofType("transaction.cancelled")).toEqual([
      expect.objectContaining({ reason: "threw", error: mine }),
    ]);
    expect(ofType("transaction.retried")).toHaveLength(0);
  });

  it("retries a write conflict by running the whole fn again; both increments land exactly once", async () => {
    const m = await open();
    await m.executeWithRetry((db) => db.query("CREATE counter:1 SET n = 0"));
    // Both first attempts write before either commits: the second commit loses the race.
    let arrived = 0;
    let releaseBoth!: () => void;
    const bothWrote = new Promise<void>((resolve) => {
      releaseBoth = resolve;
    });
    const runs: number[] = [];
    const increment = (who: number) =>
      m.transaction(async (tx) => {
        runs.push(who);
        await tx.query("UPDATE counter:1 SET n += 1");
        if (++arrived === 2) releaseBoth();
        if (arrived <= 2) await bothWrote;
        return who;
      });
    expect(await Promise.all([increment(1), increment(2)])).toEqual([1, 2]);
    const [n] = await m.executeWithRetry((db) => db.query<[number]>("RETURN counter:1.n"));
    expect(n).toBe(2);
    expect(runs).toHaveLength(3); // one fn ran twice
    const retried = ofType("transaction.retried");
    expect(retried).toHaveLength(1);
    expect(retried[0]!.error.message).toMatch(/conflict/i);
    expect(ofType("transaction.cancelled").map((e) => e.reason)).toEqual(["conflict"]);
    expect(
      ofType("transaction.committed")
        .map((e) => e.attempts)
        .sort(),
    ).toEqual([1, 2]);
    expect(m.metrics().snapshot().transactionsRetried).toBe(1);
  });

  it("gives up after maxAttempts conflicts with RetriesExhaustedError, never committing", async () => {
    const m = await open();
    await m.executeWithRetry((db) => db.query("CREATE counter:1 SET n = 0"));
    // Every attempt is overtaken by a write outside it: every commit conflicts.
    const error = await m
      .transaction(
        async (tx) => {
          await tx.query("UPDATE counter:1 SET n += 100");
          await m.executeWithRetry((db) => db.query("UPDATE counter:1 SET n += 1"));
        },
        { maxAttempts: 2 },
      )
      .catch((e: unknown) => e);
    expect(isRetriesExhaustedError(error)).toBe(true);
    expect((error as { attempts: number }).attempts).toBe(2);
    const [n] = await m.executeWithRetry((db) => db.query<[number]>("RETURN counter:1.n"));
    expect(n).toBe(2);
    expect(ofType("transaction.committed")).toHaveLength(0);
  });

  it("cancels a transaction that runs past timeoutMs: OperationTimeoutError, nothing written, nothing left leased", async () => {
    const m = await open();
    await m.executeWithRetry((db) => db.query("DEFINE TABLE IF NOT EXISTS item"));
    const started = performance.now();
    const error = await m
      .transaction(
        async (tx) => {
          await tx.query("CREATE item:slow");
          await new Promise((resolve) => setTimeout(resolve, 3_000));
        },
        { timeoutMs: 200, maxAttempts: 1 },
      )
      .catch((e: unknown) => e);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(isRetriesExhaustedError(error)).toBe(true);
    expect(isOperationTimeoutError((error as Error).cause)).toBe(true);
    expect(ofType("transaction.cancelled").map((e) => e.reason)).toEqual(["timeout"]);
    expect(await count(m, "item")).toBe(0);
    expect(m.healthStatus().inUse).toBe(0);
  });

  it("cancels when the caller's signal aborts, rejecting with its reason, and does not retry", async () => {
    const m = await open();
    await m.executeWithRetry((db) => db.query("DEFINE TABLE IF NOT EXISTS item"));
    const controller = new AbortController();
    const reason = new Error("user went away");
    const error = await m
      .transaction(
        async (tx) => {
          await tx.query("CREATE item:aborted");
          controller.abort(reason);
          await new Promise((resolve) => setTimeout(resolve, 3_000));
        },
        { signal: controller.signal },
      )
      .catch((e: unknown) => e);
    expect(error).toBe(reason);
    expect(ofType("transaction.cancelled").map((e) => e.reason)).toEqual(["aborted"]);
    expect(ofType("transaction.retried")).toHaveLength(0);
    expect(await count(m, "item")).toBe(0);
  });

  it("when fn commits its own transaction, the pool does not commit again: fn's value, written once", async () => {
    const m = await open({ maxConnections: 8 });
    await m.executeWithRetry((db) => db.query("DEFINE TABLE IF NOT EXISTS item"));
    const runs = new Map<number, number>();
    const own = (i: number) =>
      m.transaction(async (tx) => {
        runs.set(i, (runs.get(i) ?? 0) + 1);
        await tx.query("CREATE type::record('item', $i)", { i });
        // Every other one does not await its commit: the pool waits for it.
        if (i % 2 === 0) await tx.commit();
        else void tx.commit();
        return i;
      });
    const ids = Array.from({ length: 8 }, (_, i) => i);
    expect(await Promise.all(ids.map(own))).toEqual(ids);
    expect(await count(m, "item")).toBe(8);
    expect([...runs.values()]).toEqual(ids.map(() => 1));
    expect(ofType("transaction.committed")).toHaveLength(8);
    expect(ofType("transaction.cancelled")).toHaveLength(0);
    expect(m.healthStatus().inUse).toBe(0);
  });

  it("when fn commits and then throws, its error comes back and fn is not run again (the write stands)", async () => {
    const m = await open();
    await m.executeWithRetry((db) => db.query("DEFINE TABLE IF NOT EXISTS item"));
    // A transient-looking error after the commit: running fn again would write twice.
    const late = Object.assign(new Error("socket hang up after the commit"), { code: "ECONNRESET" });
    let runs = 0;
    const error = await m
      .transaction(async (tx) => {
        runs++;
        await tx.query("CREATE item SET n = 1");
        await tx.commit();
        throw late;
      })
      .catch((e: unknown) => e);
    expect(error).toBe(late);
    expect(runs).toBe(1);
    expect(await count(m, "item")).toBe(1);
    expect(ofType("transaction.retried")).toHaveLength(0);
    expect(ofType("transaction.committed")).toHaveLength(1);
  });

  it("when fn cancels its own transaction, nothing is written and the call resolves with fn's value", async () => {
    const m = await open();
    await m.executeWithRetry((db) => db.query("DEFINE TABLE IF NOT EXISTS item"));
    const value = await m.transaction(async (tx) => {
      await tx.query("CREATE item:undone");
      await tx.cancel();
      return "changed my mind";
    });
    expect(value).toBe("changed my mind");
    expect(await count(m, "item")).toBe(0);
    expect(ofType("transaction.cancelled").map((e) => e.reason)).toEqual(["cancelled"]);
    expect(ofType("transaction.committed")).toHaveLength(0);
    expect(m.healthStatus().inUse).toBe(0);
  });

  it("refuses bad arguments with ArgumentError before beginning anything", async () => {
    const m = await open();
    const before = events.length;
    for (const call of [
      () => m.transaction(undefined as never),
      () => m.transaction(async () => 1, { maxAttempts: 0 }),
      () => m.transaction(async () => 1, { maxAttempts: 1.5 }),
      () => m.transaction(async () => 1, { timeoutMs: -1 }),
      () => m.transaction(async () => 1, { signal: {} as AbortSignal }),
      () => m.transaction(async () => 1, "fast" as never),
    ]) {
      const error = await call().catch((e: unknown) => e);
      expect(isArgumentError(error), String(error)).toBe(true);
    }
    expect(events.slice(before).filter((e) => e.type.startsWith("transaction."))).toEqual([]);
    expect(events.slice(before).filter((e) => e.type === "lease.acquired")).toEqual([]);
  });
});
