import { describe, expect, it, vi } from "vitest";
import { createActor, fromPromise, SimulatedClock, toPromise } from "xstate";
import { getShortestPaths } from "xstate/graph";
import {
  type AgentSessionEmitted,
  type AgentSessionInput,
  type AgentSessionMachineEvent,
  agentSessionMachine,
} from "./agentSession.machine.js";

const input: AgentSessionInput = {
  agentId: "agent-1",
  namespace: "ns-1",
  database: "db-1",
  closeTimeoutMs: 1_000,
  restoredEvents: 0,
  pendingTransactions: 0,
};

interface Harness {
  prepare?: (args: { signal: AbortSignal }) => Promise<void>;
  flushLog?: () => Promise<void>;
}

/** Starts the machine with controllable effects; returns the actor, its emitted events and action spies. */
function start(harness: Harness = {}, overrides: Partial<AgentSessionInput> = {}) {
  const clock = new SimulatedClock();
  const abortQueuedAcquires = vi.fn();
  const releaseLeases = vi.fn();
  const logic = agentSessionMachine.provide({
    actors: {
      prepare: fromPromise(harness.prepare ?? (async () => {})),
      flushLog: fromPromise(harness.flushLog ?? (async () => {})),
    },
    actions: { abortQueuedAcquires, releaseLeases },
  });
  const actor = createActor(logic, { input: { ...input, ...overrides }, clock });
  const emitted: AgentSessionEmitted[] = [];
  actor.on("*", (e) => emitted.push(e));
  actor.start();
  return { actor, clock, emitted, abortQueuedAcquires, releaseLeases };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
const returned: AgentSessionMachineEvent = { type: "lease.returned" };
/** A close asked while the agent holds `activeLeases` leases. */
const close = (activeLeases: number, more: { timeoutMs?: number; reason?: Error } = {}) =>
  ({ type: "session.close", activeLeases, ...more }) as const;

describe("agentSession machine", () => {
  it("becomes active once prepared and announces itself", async () => {
    const { actor, emitted } = start();
    expect(actor.getSnapshot().value).toBe("creating");
    await settle();
    expect(actor.getSnapshot().value).toBe("active");
    expect(emitted).toEqual([
      { type: "session.created", agentId: "agent-1", namespace: "ns-1", database: "db-1", restoredEvents: 0 },
    ]);
  });

  it("fails when prepare fails, keeping the error and taking no work", async () => {
    const { actor, emitted } = start({
      prepare: async () => {
        throw new Error("no table");
      },
    });
    await settle();
    const snapshot = actor.getSnapshot();
    expect(snapshot.value).toBe("failed");
    expect(snapshot.status).toBe("done");
    expect(snapshot.context.error?.message).toBe("no table");
    expect(emitted).toMatchObject([
      { type: "session.failed", phase: "creating", error: { message: "no table" } },
    ]);
    expect(snapshot.can({ type: "txlog.record" })).toBe(false);
  });

  it("never opens when closed while creating: fails with the close's reason, and prepare is stopped", async () => {
    let prepareSignal: AbortSignal | undefined;
    const { actor, emitted } = start({
      prepare: ({ signal }: { signal: AbortSignal }) => {
        prepareSignal = signal;
        return new Promise<void>(() => {}); // a prepare that would never finish
      },
    });
    const reason = new Error("manager shutting down");
    actor.send(close(0, { timeoutMs: 10, reason }));
    const snapshot = actor.getSnapshot();
    expect(snapshot.value).toBe("failed");
    expect(snapshot.status).toBe("done");
    expect(snapshot.context.error).toBe(reason);
    expect(prepareSignal?.aborted).toBe(true);
    // "creating" never counted as a session: a failure of that phase, no session.created.
    expect(emitted).toEqual([
      { type: "session.failed", agentId: "agent-1", phase: "creating", error: reason },
    ]);
  });

  it("a later, shorter close shortens the wait for the agent's leases (a shutdown's budget)", async () => {
    const { actor, clock, releaseLeases } = start();
    await settle();
    actor.send(close(1)); // closeTimeoutMs: 1 000
    clock.increment(400);
    actor.send(close(1, { timeoutMs: 5_000 })); // longer: changes nothing
    // Shorter: shortens the wait; the leases closing waits for were counted by the first close.
    actor.send(close(7, { timeoutMs: 100 }));
    clock.increment(99);
    expect(actor.getSnapshot().value).toEqual({ closing: "draining" });
    clock.increment(1);
    expect(actor.getSnapshot().value).toEqual({ closing: "releasing" });
    expect(releaseLeases).toHaveBeenCalledTimes(1);
    actor.send(close(7, { timeoutMs: 20 })); // shorter again, while releasing
    clock.increment(20);
    await toPromise(actor);
    expect(actor.getSnapshot().value).toBe("closed");
    expect(actor.getSnapshot().context.forcedReleases).toBe(1);
  });

  it("a lease is no transition: active takes no lease event, and counts pending transactions", async () => {
    const { actor, emitted } = start();
    await settle();
    expect(actor.getSnapshot().can(returned)).toBe(false);
    actor.send(returned); // ignored while active: the runtime counts the agent's leases itself
    actor.send({ type: "txlog.record" });
    actor.send({ type: "txlog.record" });
    actor.send({ type: "txlog.settle" });
    const { context } = actor.getSnapshot();
    expect(context.activeLeases).toBe(0);
    expect(context.pendingTransactions).toBe(1);
    expect(emitted.map((e) => e.type)).toEqual(["session.created"]);
  });

  it("learns the leases out at close, and waits for exactly those", async () => {
    const { actor, emitted } = start();
    await settle();
    actor.send(close(2));
    expect(emitted.at(-1)).toEqual({
      type: "session.closing",
      agentId: "agent-1",
      activeLeases: 2,
      pendingTransactions: 0,
    });
    expect(actor.getSnapshot().can(returned)).toBe(true);
    actor.send(returned);
    expect(actor.getSnapshot().value).toEqual({ closing: "draining" });
    expect(actor.getSnapshot().context.activeLeases).toBe(1);
    actor.send(returned);
    expect(actor.getSnapshot().value).toEqual({ closing: "flushing" });
    await toPromise(actor);
    expect(actor.getSnapshot().context.forcedReleases).toBe(0);
  });

  it("closes at once without leases: aborts queued acquires, flushes, reports", async () => {
    const flushLog = vi.fn(async () => {});
    const { actor, emitted, abortQueuedAcquires } = start({ flushLog });
    await settle();
    actor.send({ type: "txlog.record" });
    actor.send(close(0));
    expect(abortQueuedAcquires).toHaveBeenCalledTimes(1);
    await toPromise(actor);
    expect(actor.getSnapshot().value).toBe("closed");
    expect(flushLog).toHaveBeenCalledTimes(1);
    expect(emitted.slice(1)).toEqual([
      { type: "session.closing", agentId: "agent-1", activeLeases: 0, pendingTransactions: 1 },
      { type: "session.closed", agentId: "agent-1", forcedReleases: 0, pendingTransactions: 1 },
    ]);
  });

  it("waits for the agent's leases while closing; settles are still allowed, records and leases are not", async () => {
    const { actor } = start();
    await settle();
    actor.send({ type: "txlog.record" });
    actor.send(close(1));
    let snapshot = actor.getSnapshot();
    expect(snapshot.value).toEqual({ closing: "draining" });
    expect(snapshot.can({ type: "txlog.settle" })).toBe(true);
    expect(snapshot.can({ type: "txlog.record" })).toBe(false);
    expect(snapshot.can(close(0))).toBe(false);
    actor.send({ type: "txlog.settle" });
    actor.send(returned);
    snapshot = actor.getSnapshot();
    // No lease left: straight to the final flush, where nothing may be appended any more.
    expect(snapshot.value).toEqual({ closing: "flushing" });
    expect(snapshot.can({ type: "txlog.settle" })).toBe(false);
    await toPromise(actor);
    expect(actor.getSnapshot().context).toMatchObject({ pendingTransactions: 0, forcedReleases: 0 });
  });

  it("releases leases itself after closeTimeout, in simulated time", async () => {
    const { actor, clock, emitted, releaseLeases } = start();
    await settle();
    actor.send(close(2));
    clock.increment(999);
    expect(actor.getSnapshot().value).toEqual({ closing: "draining" });
    expect(releaseLeases).not.toHaveBeenCalled();
    clock.increment(1);
    expect(actor.getSnapshot().value).toEqual({ closing: "releasing" });
    expect(releaseLeases).toHaveBeenCalledTimes(1);
    actor.send(returned);
    actor.send(returned);
    await toPromise(actor);
    expect(emitted.at(-1)).toEqual({
      type: "session.closed",
      agentId: "agent-1",
      forcedReleases: 2,
      pendingTransactions: 0,
    });
  });

  it("does not wait forever for the pool to take forced releases back", async () => {
    const { actor, clock } = start();
    await settle();
    actor.send(close(1, { timeoutMs: 50 }));
    clock.increment(50);
    expect(actor.getSnapshot().value).toEqual({ closing: "releasing" });
    clock.increment(50);
    await toPromise(actor);
    expect(actor.getSnapshot().value).toBe("closed");
    expect(actor.getSnapshot().context.forcedReleases).toBe(1);
  });

  it("fails when the final flush fails: closed, but the log is not durable", async () => {
    const { actor, emitted } = start({
      flushLog: async () => {
        throw new Error("db down");
      },
    });
    await settle();
    actor.send(close(0));
    await toPromise(actor);
    expect(actor.getSnapshot().value).toBe("failed");
    expect(emitted.at(-1)).toMatchObject({
      type: "session.failed",
      phase: "closing",
      error: { message: "db down" },
    });
  });

  it("starts a restored session with its replayed pending transactions", async () => {
    const { actor, emitted } = start({}, { restoredEvents: 7, pendingTransactions: 2 });
    await settle();
    expect(emitted[0]).toMatchObject({ type: "session.created", restoredEvents: 7 });
    actor.send(close(0));
    await toPromise(actor);
    expect(emitted.at(-1)).toMatchObject({ type: "session.closed", pendingTransactions: 2 });
  });

  it("reaches every state through its events (xstate/graph)", () => {
    const paths = getShortestPaths(agentSessionMachine, {
      input,
      events: [
        returned,
        close(0),
        close(1),
        close(1, { timeoutMs: 1 }),
        { type: "xstate.done.actor.prepare" } as never,
        { type: "xstate.error.actor.prepare", error: new Error("x") } as never,
        { type: "xstate.done.actor.flushLog" } as never,
        { type: "xstate.error.actor.flushLog", error: new Error("x") } as never,
      ],
      // Counters are unbounded; states differ by value and by "closing waits for a lease or not".
      serializeState: (s) => JSON.stringify([s.value, Math.min(1, s.context.activeLeases)]),
    });
    const reached = new Set(paths.map((p) => JSON.stringify(p.state.value)));
    for (const value of [
      "creating",
      "active",
      { closing: "draining" },
      { closing: "flushing" },
      "closed",
      "failed",
    ]) {
      expect(reached).toContain(JSON.stringify(value));
    }
  });
});
