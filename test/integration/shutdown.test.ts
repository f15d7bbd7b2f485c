import { describe, expect, it } from "vitest";
import { isLeaseReleasedError, isPoolClosedError } from "../../src/index.js";
import { createManager, sleep } from "./helpers.js";

type Outcome = "completed" | "refused" | "cut off";

/**
 * 50 tasks on a pool of 5, each holding its lease for a while. A task that got a lease "started";
 * tasks still queued when shutdown begins are refused (PoolClosedError) and never start.
 */
async function underLoad(drainTimeoutMs: number) {
  const manager = await createManager({ minConnections: 5, maxConnections: 5 });
  // Defined up front: concurrent first writes that each create a table implicitly conflict in SurrealDB.
  await manager.executeWithRetry((db) => db.query("DEFINE TABLE job SCHEMALESS"));
  let started = 0;
  const tasks = Array.from({ length: 50 }, async (_, i): Promise<Outcome> => {
    let lease: Awaited<ReturnType<typeof manager.acquire>>;
    try {
      lease = await manager.acquire();
    } catch (error) {
      if (isPoolClosedError(error)) return "refused";
      throw error;
    }
    started++;
    try {
      // One record per task, written by id: no two tasks touch the same record, so no write conflicts.
      await lease.db.query("CREATE type::record('job', $n) SET phase = 'begun'", { n: i });
      await sleep(60);
      await lease.db.query("UPDATE type::record('job', $n) SET phase = 'done'", { n: i });
      return "completed";
    } catch (error) {
      if (isLeaseReleasedError(error)) return "cut off";
      throw error;
    } finally {
      await lease.release();
    }
  });
  await sleep(20); // the first five are mid-work, the rest wait
  const report = await manager.shutdown({ timeoutMs: drainTimeoutMs });
  const outcomes = await Promise.all(tasks);
  const count = (o: Outcome) => outcomes.filter((x) => x === o).length;
  return {
    manager,
    report,
    started,
    completed: count("completed"),
    refused: count("refused"),
    cutOff: count("cut off"),
  };
}

describe("shutdown under load", () => {
  it("with a generous drain timeout, every task that started completes and nothing is abandoned", async () => {
    const { manager, report, started, completed, refused, cutOff } = await underLoad(5_000);
    // Five hold leases when shutdown begins (more only if a slow machine let one finish first).
    expect(started).toBeGreaterThanOrEqual(5);
    expect(completed).toBe(started);
    expect(cutOff).toBe(0);
    expect(refused).toBe(50 - started);
    expect(report.abandoned).toEqual([]);
    expect(manager.healthStatus()).toMatchObject({ state: "closed", healthy: false, poolSize: 0, inUse: 0 });
    expect(manager.metrics().snapshot()).toMatchObject({ size: 0, inUse: 0, waiting: 0, idle: 0 });
  });

  it("with a short drain timeout, reports every lease it took back and the borrowers fail loudly", async () => {
    const { report, started, completed, refused, cutOff } = await underLoad(5);
    expect(started).toBeGreaterThanOrEqual(5);
    expect(report.abandoned.length).toBeGreaterThan(0);
    expect(cutOff).toBe(report.abandoned.length);
    expect(completed + cutOff).toBe(started);
    expect(refused).toBe(50 - started);
    for (const a of report.abandoned) {
      expect(a.endpoint).toBe("mem://");
      expect(a.heldMs).toBeGreaterThan(0);
    }
  });

  it("is idempotent and can be used through Symbol.asyncDispose", async () => {
    const manager = await createManager({ minConnections: 1, maxConnections: 1 });
    const first = manager.shutdown({ timeoutMs: 100 });
    const again = manager.shutdown({ timeoutMs: 100 });
    const [a, b] = await Promise.all([first, again]);
    expect(b).toBe(a);
    await manager[Symbol.asyncDispose]();
    expect(manager.healthStatus().state).toBe("closed");
  });
});
