// A commit whose outcome is unknown is never run again. Concurrent transfers on disjoint accounts through
// a real loopback endpoint behind a delaying proxy: every fn writes, then the proxy starts delaying every
// chunk, so each COMMIT reaches the engine (and is applied) but its answer comes back after the attempt's
// `timeoutMs` + grace and long before `queryTimeoutMs`. Each transfer must be applied exactly once, fn must
// run once, and a call that could not learn its commit's outcome says so with CommitOutcomeUnknownError.
// (Disjoint accounts: SurrealDB 3.0.2 itself loses conflicting updates of one record under concurrent raw
// transactions, so a shared-account bank would test the engine, not the pool.)
import { describe, expect, it } from "vitest";
import {
  ConnectionManager,
  isCommitOutcomeUnknownError,
  isOperationTimeoutError,
  type PoolEvent,
} from "../../src/index.js";
import { useProxiedEndpoint } from "./proxiedEndpoint.js";

const TRANSFERS = 6;
const TIMEOUT_MS = 1_500;
/** Each way: a commit's round trip takes twice this, past TIMEOUT_MS + the 1 s cancel grace. */
const DELAY_MS = 1_800;

describe("a transaction whose commit answer comes back late", () => {
  const faults = useProxiedEndpoint();

  it("applies each concurrent transfer exactly once and never runs fn again", async () => {
    faults.proxy.setMode("pass");
    const events: PoolEvent[] = [];
    const m = await ConnectionManager.create({
      mode: { kind: "local", endpoint: faults.proxy.url },
      credentials: { username: "root", password: "root" },
      namespace: "bank",
      database: "bank",
      events: (e) => events.push(e),
      // This test is about transactions: the breaker's view of late answers is tested elsewhere.
      circuitBreaker: { failureThreshold: 1_000 },
      pool: {
        minConnections: TRANSFERS,
        maxConnections: TRANSFERS * 2,
        queryTimeoutMs: 30_000,
        healthCheckIntervalMs: 600_000,
        retryPolicy: { maxAttempts: 3, initialBackoffMs: 10, maxBackoffMs: 50, multiplier: 2 },
      },
    });
    try {
      const ids = Array.from({ length: TRANSFERS }, (_, i) => i);
      await m.query(
        ids
          .map((i) => `CREATE account:a${i} SET balance = 100; CREATE account:b${i} SET balance = 0;`)
          .join(" "),
      );

      // Every first run writes, then waits until all have written: then the link slows down, so every
      // commit is sent into the delay (a run that arrives later finds the delay already on: no wait).
      let wrote = 0;
      let allWrote!: () => void;
      const barrier = new Promise<void>((resolve) => {
        allWrote = resolve;
      });
      const fallback = setTimeout(() => allWrote(), 1_000);
      let heal: NodeJS.Timeout | undefined;
      barrier.then(() => {
        faults.proxy.setMode({ kind: "latency", ms: DELAY_MS });
        // Once the commits' answers are held (each keeps its due time), new traffic flows again: a rerun
        // of fn would now commit quickly, and twice.
        heal = setTimeout(() => faults.proxy.setMode("pass"), DELAY_MS + 500);
      });
      const runs = ids.map(() => 0);
      const transfer = (i: number) =>
        m.transaction(
          async (tx) => {
            runs[i]!++;
            await tx.query(`UPDATE account:a${i} SET balance -= 10; UPDATE account:b${i} SET balance += 10`);
            if (++wrote === TRANSFERS) allWrote();
            await barrier;
            return i;
          },
          { timeoutMs: TIMEOUT_MS },
        );
      const started = performance.now();
      const outcomes = await Promise.allSettled(ids.map(transfer));
      const elapsed = performance.now() - started;
      clearTimeout(fallback);
      clearTimeout(heal);
      faults.proxy.setMode("pass");

      // Every commit reached the engine: each transfer applied exactly once, totals kept.
      const [balances] = await m.executeWithRetry((db) =>
        db.query<[{ a: number; b: number }[]]>(
          `RETURN [${ids.map((i) => `{ a: account:a${i}.balance, b: account:b${i}.balance }`).join(", ")}]`,
        ),
      );
      expect(balances).toEqual(ids.map(() => ({ a: 90, b: 10 })));
      // The answers were late, so no call knows its outcome: each says so, with the deadline as the cause.
      for (const outcome of outcomes) {
        if (outcome.status === "fulfilled") continue;
        expect(isCommitOutcomeUnknownError(outcome.reason), String(outcome.reason)).toBe(true);
        expect(isOperationTimeoutError((outcome.reason as Error).cause)).toBe(true);
      }
      expect(outcomes.filter((o) => o.status === "rejected").length).toBeGreaterThan(0);
      // Neither rerun nor waited for: each call ended at its attempt's outer bound, not at queryTimeoutMs.
      expect(runs).toEqual(ids.map(() => 1));
      expect(events.filter((e) => e.type === "transaction.retried")).toHaveLength(0);
      expect(elapsed).toBeLessThan(TIMEOUT_MS + 1_000 + 2 * DELAY_MS + 3_000);

      expect(m.healthStatus().inUse).toBe(0);
    } finally {
      faults.proxy.setMode("pass");
      await m.shutdown({ timeoutMs: 5_000 });
    }
  }, 40_000);

  it("never runs fn again when the socket is reset right after a COMMIT went out, and says the outcome is unknown", async () => {
    faults.proxy.setMode("pass");
    const events: PoolEvent[] = [];
    const m = await ConnectionManager.create({
      mode: { kind: "local", endpoint: faults.proxy.url },
      credentials: { username: "root", password: "root" },
      namespace: "bank",
      database: "cut",
      events: (e) => events.push(e),
      circuitBreaker: { failureThreshold: 1_000 },
      pool: {
        minConnections: 2,
        maxConnections: TRANSFERS * 2,
        healthCheckIntervalMs: 600_000,
        retryPolicy: { maxAttempts: 4, initialBackoffMs: 20, maxBackoffMs: 100, multiplier: 2 },
      },
    });
    try {
      const ids = Array.from({ length: TRANSFERS }, (_, i) => i);
      await m.query(
        ids
          .map((i) => `CREATE account:a${i} SET balance = 100; CREATE account:b${i} SET balance = 0;`)
          .join(" "),
      );
      // Every socket that sends a COMMIT is reset right after it (the commit reaches the engine, its answer
      // never comes back), for a while; calls in flight on that socket fail too, before their commit.
      faults.proxy.setMode({ kind: "cutOnRequest", method: "commit" });
      const heal = setTimeout(() => faults.proxy.setMode("pass"), 1_500);
      const runs = ids.map(() => 0);
      const outcomes = await Promise.allSettled(
        ids.map((i) =>
          m.transaction(async (tx) => {
            runs[i]!++;
            await tx.query(`UPDATE account:a${i} SET balance -= 10; UPDATE account:b${i} SET balance += 10`);
            return i;
          }),
        ),
      );
      clearTimeout(heal);
      faults.proxy.setMode("pass");
      expect(faults.proxy.stats.cuts).toBeGreaterThan(0);

      const [balances] = await m.executeWithRetry((db) =>
        db.query<[{ a: number; b: number }[]]>(
          `RETURN [${ids.map((i) => `{ a: account:a${i}.balance, b: account:b${i}.balance }`).join(", ")}]`,
        ),
      );
      ids.forEach((i) => {
        const outcome = outcomes[i]!;
        const { a, b } = balances[i]!;
        expect(a + b, `transfer ${i}: total kept`).toBe(100);
        if (outcome.status === "fulfilled") {
          expect(a, `transfer ${i} resolved: applied exactly once`).toBe(90);
        } else {
          // Reset after its commit went out: it may or may not have been applied, never twice.
          expect(isCommitOutcomeUnknownError(outcome.reason), String(outcome.reason)).toBe(true);
          expect([90, 100], `transfer ${i}: applied at most once`).toContain(a);
        }
      });
      expect(outcomes.some((o) => o.status === "rejected")).toBe(true);
      // A rerun only ever followed an attempt that failed before its commit went out.
      const unknown = events.filter((e) => e.type === "transaction.cancelled" && e.reason === "failed");
      expect(unknown.length).toBeGreaterThan(0);
      expect(m.healthStatus().inUse).toBe(0);
    } finally {
      faults.proxy.setMode("pass");
      await m.shutdown({ timeoutMs: 5_000 });
    }
  }, 40_000);
});
