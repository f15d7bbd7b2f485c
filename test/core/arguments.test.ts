// Bad arguments of the public functions: a typed ArgumentError (or a rejection with it) naming the
// argument, and nothing changed before the refusal: no request, no event, no timer, no slot.
import { describe, expect, it } from "vitest";
import { isArgumentError, isConfigError, type PoolEvent } from "../../src/index.js";
import { ConnectionManager } from "../../src/manager/ConnectionManager.js";
import { AgentSession } from "../../src/session/AgentSession.js";

function timers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
}

async function refusal(work: () => Promise<unknown>): Promise<unknown> {
  let sync: unknown;
  let promise: Promise<unknown> | undefined;
  try {
    promise = work();
  } catch (error) {
    sync = error;
  }
  // A bad argument to an async function rejects; it never throws synchronously.
  expect(sync).toBeUndefined();
  return promise!.then(
    () => "accepted",
    (e: unknown) => e,
  );
}

describe("bad arguments are refused, typed, before anything changes", () => {
  it("acquire: a non-AbortSignal signal, bad timeouts, a non-object", async () => {
    const events: PoolEvent[] = [];
    const manager = await ConnectionManager.create({ pool: { minConnections: 1, maxConnections: 1 } });
    const held = await manager.acquire(); // so a valid acquire would have to queue
    manager.events$.subscribe((e) => events.push(e));
    const before = timers();
    const controller = new AbortController();
    const cases: [unknown, RegExp][] = [
      [{ signal: controller }, /acquire\(options\)\.signal must be an AbortSignal.*controller\.signal/],
      [{ signal: "soon" }, /acquire\(options\)\.signal must be an AbortSignal/],
      [{ timeoutMs: Number.POSITIVE_INFINITY }, /acquire\(options\)\.timeoutMs must be a finite number/],
      [{ timeoutMs: -1 }, /acquire\(options\)\.timeoutMs/],
      [{ timeoutMs: Number.NaN }, /acquire\(options\)\.timeoutMs/],
      [{ timeoutMs: 2 ** 31 }, /at most 2147483647 ms/],
      [{ namespace: "" }, /acquire\(options\)\.namespace must be a non-empty string/],
      [null, /acquire\(options\) must be an options object/],
      [42, /acquire\(options\) must be an options object/],
    ];
    for (const [options, message] of cases) {
      const error = await refusal(() => manager.acquire(options as never));
      expect(isArgumentError(error), String(error)).toBe(true);
      expect((error as Error).message).toMatch(message);
    }
    // Nothing queued, nothing armed, nothing published; the pool serves as before.
    expect(events).toEqual([]);
    expect(timers()).toBe(before);
    expect(manager.healthStatus().waiting).toBe(0);
    await held.release();
    const ok = await manager.acquire({ timeoutMs: 1_000 });
    await ok.release();
    await manager.shutdown();
  });

  it("executeWithRetry / executeHedged: bad fn or options reject typed; a throw whose fields throw leaks nothing", async () => {
    const manager = await ConnectionManager.create({ pool: { minConnections: 1, maxConnections: 2 } });
    try {
      for (const call of [
        () => manager.executeWithRetry(null as never),
        () => manager.executeWithRetry(async () => 1, null as never),
        () => manager.executeWithRetry(async () => 1, { timeoutMs: 0 }),
        () => manager.executeWithRetry(async () => 1, { signal: {} as never }),
        () => manager.executeHedged(undefined as never),
        () => manager.executeHedged(async () => 1, { percentile: 2 }),
      ]) {
        expect(isArgumentError(await refusal(call))).toBe(true);
      }
      // An Error whose every field throws when read.
      const hostile = new Error("hostile");
      for (const field of ["name", "message", "code", "cause", "kind", "details"]) {
        Object.defineProperty(hostile, field, {
          get() {
            throw new Error(`reading ${field} throws`);
          },
        });
      }
      const viaRetry = await refusal(() =>
        manager.executeWithRetry(async () => {
          throw hostile;
        }),
      );
      expect(viaRetry).toBe(hostile);
      const viaHedge = await refusal(() =>
        manager.executeHedged(async () => {
          throw hostile;
        }),
      );
      expect(viaHedge).toBe(hostile);
      expect(manager.healthStatus().inUse).toBe(0);
    } finally {
      await manager.shutdown();
    }
  });

  it("agent sessions: bad options, a bad signal (no fairness slot leaks), null close options", async () => {
    const manager = await ConnectionManager.create({ pool: { minConnections: 1, maxConnections: 4 } });
    try {
      expect(
        isArgumentError(
          await refusal(() => AgentSession.create("a", manager, "ns", undefined, null as never)),
        ),
      ).toBe(true);
      expect(isArgumentError(await refusal(() => AgentSession.restore("a", manager, null as never)))).toBe(
        true,
      );
      expect(isArgumentError(await refusal(() => AgentSession.create("a", null as never, "ns")))).toBe(true);
      const agent = await AgentSession.create("a", manager, "ns", undefined, { maxConcurrentLeases: 1 });
      const controller = new AbortController();
      for (let i = 0; i < 3; i++) {
        expect(isArgumentError(await refusal(() => agent.acquire({ signal: controller as never })))).toBe(
          true,
        );
      }
      // The cap is 1 and three bad calls were refused: the one slot is still free.
      const lease = await agent.acquire({ timeoutMs: 1_000 });
      await lease.release();
      expect(isArgumentError(await refusal(() => agent.close(null as never)))).toBe(true);
      await agent.close();
      expect(agent.state).toBe("closed");
    } finally {
      await manager.shutdown();
    }
  });

  it("BigInts where a number or a string goes: typed errors that show the value, never a TypeError", async () => {
    const manager = await ConnectionManager.create({ pool: { minConnections: 1, maxConnections: 2 } });
    try {
      const calls: [string, () => Promise<unknown>][] = [
        ["acquire", () => manager.acquire({ timeoutMs: 5n as never })],
        ["acquire options", () => manager.acquire(5n as never)],
        ["query text", () => manager.query(5n as never)],
        ["query timeout", () => manager.query("RETURN 1", {}, { timeoutMs: 5n as never })],
        ["executeWithRetry", () => manager.executeWithRetry(async () => 1, { timeoutMs: 5n as never })],
        ["executeHedged", () => manager.executeHedged(async () => 1, { percentile: 5n as never })],
        ["transaction", () => manager.transaction(async () => 1, { maxAttempts: 5n as never })],
        ["shutdown", () => manager.shutdown({ timeoutMs: 5n as never })],
        ["dashboard port", () => manager.serveDashboard({ port: 5n as never })],
        ["dashboard interval", () => manager.serveDashboard({ intervalMs: 5n as never })],
        ["dashboard host", () => manager.serveDashboard({ host: 5n as never })],
        ["dashboard options", () => manager.serveDashboard(5n as never)],
      ];
      const errors = await Promise.all(calls.map(([, call]) => refusal(call)));
      for (const [i, error] of errors.entries()) {
        expect(isArgumentError(error), `${calls[i]![0]}: ${String(error)}`).toBe(true);
        expect((error as Error).message, calls[i]![0]).toMatch(/5n \(a bigint\)/);
      }
      const created = await ConnectionManager.create({ pool: { maxConnections: 5n as never } }).catch(
        (e: unknown) => e,
      );
      expect(isConfigError(created), String(created)).toBe(true);
      // Nothing was refused for a reason of its own: the pool still serves.
      expect(await manager.query<[number]>("RETURN 1")).toEqual([1]);
    } finally {
      await manager.shutdown();
    }
  });

  it("serveDashboard: bad options are refused before anything listens", async () => {
    const manager = await ConnectionManager.create({ pool: { minConnections: 1, maxConnections: 2 } });
    try {
      for (const [options, message] of [
        [{ port: -1 }, /serveDashboard\(options\)\.port must be a whole number from 0 to 65535/],
        [{ port: 70_000 }, /port must be a whole number from 0 to 65535/],
        [{ port: 1.5 }, /port must be a whole number/],
        [{ host: "" }, /serveDashboard\(options\)\.host must be a non-empty string/],
        [{ intervalMs: 0 }, /serveDashboard\(options\)\.intervalMs must be a finite number/],
        [[], /serveDashboard\(options\) must be an options object/],
      ] as const) {
        const error = await refusal(() => manager.serveDashboard(options as never));
        expect(isArgumentError(error), String(error)).toBe(true);
        expect((error as Error).message).toMatch(message);
      }
      const dashboard = await manager.serveDashboard({ port: 0, intervalMs: 100 });
      await dashboard.close();
    } finally {
      await manager.shutdown();
    }
  });
});
