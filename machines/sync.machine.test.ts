import { describe, expect, it } from "vitest";
import { createActor, fromPromise, SimulatedClock } from "xstate";
import {
  backoffAfter,
  type PassInput,
  type PassOutput,
  type SyncMachineEmitted,
  type SyncMachineInput,
  syncMachine,
  syncStateOf,
} from "./sync.machine.js";

const REMOTE = "ws://db-1:8000";
const INPUT: SyncMachineInput = {
  remote: REMOTE,
  intervalMs: 10_000,
  initialBackoffMs: 100,
  maxBackoffMs: 2_000,
  multiplier: 2,
};

/** A pass the test settles by hand. */
interface Pending {
  input: PassInput;
  signal: AbortSignal;
  succeed: (output?: PassOutput) => void;
  fail: (error: Error) => void;
}

function start(input: Partial<SyncMachineInput> = {}) {
  const clock = new SimulatedClock();
  const passes: Pending[] = [];
  const machine = syncMachine.provide({
    actors: {
      ship: fromPromise<PassOutput, PassInput>(
        ({ input, signal }) =>
          new Promise<PassOutput>((resolve, reject) => {
            passes.push({
              input,
              signal,
              succeed: (output = { records: 1, batches: 1 }) => resolve(output),
              fail: reject,
            });
          }),
      ),
    },
  });
  const actor = createActor(machine, { clock, input: { ...INPUT, ...input } });
  const emitted: SyncMachineEmitted[] = [];
  actor.on("*", (event) => emitted.push(event as SyncMachineEmitted));
  actor.start();
  const state = () => syncStateOf(actor.getSnapshot());
  const last = () => passes[passes.length - 1]!;
  /** Lets the promise actor's settlement reach the machine. */
  const flush = () => new Promise((resolve) => setTimeout(resolve, 0));
  return { actor, clock, passes, emitted, state, last, flush };
}

describe("sync machine", () => {
  it("starts with a pass at once, then waits intervalMs on the actor's clock", async () => {
    const { state, last, clock, flush, emitted, passes } = start();
    expect(state()).toBe("syncing");
    expect(last().input).toEqual({ remote: REMOTE, pass: 1, trigger: "start" });
    last().succeed({ records: 3, batches: 1 });
    await flush();
    expect(state()).toBe("idle");
    expect(emitted).toEqual([
      { type: "sync.started", remote: REMOTE, pass: 1, trigger: "start" },
      { type: "sync.completed", remote: REMOTE, pass: 1, output: { records: 3, batches: 1 } },
    ]);
    clock.increment(9_999);
    expect(state()).toBe("idle");
    clock.increment(1);
    expect(state()).toBe("syncing");
    expect(passes).toHaveLength(2);
    expect(last().input).toEqual({ remote: REMOTE, pass: 2, trigger: "interval" });
  });

  it("backs off exponentially after consecutive failures, capped, and a success resets the count", async () => {
    const { state, last, clock, flush, emitted, actor } = start();
    const delays: Array<number | null> = [];
    for (let i = 0; i < 6; i++) {
      last().fail(new Error(`down ${i}`));
      await flush();
      expect(state()).toBe("backingOff");
      const failed = emitted.at(-1) as Extract<SyncMachineEmitted, { type: "sync.failed" }>;
      expect(failed.type).toBe("sync.failed");
      expect(failed.error.message).toBe(`down ${i}`);
      expect(failed.consecutiveFailures).toBe(i + 1);
      delays.push(failed.retryInMs);
      clock.increment(failed.retryInMs! - 1);
      expect(state()).toBe("backingOff");
      clock.increment(1);
      expect(state()).toBe("syncing");
      expect(last().input.trigger).toBe("retry");
    }
    expect(delays).toEqual([100, 200, 400, 800, 1_600, 2_000]);
    last().succeed();
    await flush();
    expect(state()).toBe("idle");
    expect(actor.getSnapshot().context.consecutiveFailures).toBe(0);
    expect(actor.getSnapshot().context.lastError).toBeNull();
  });

  it("never backs off longer than the interval", () => {
    expect(backoffAfter({ ...INPUT, intervalMs: 300 }, 10)).toBe(300);
    expect(backoffAfter(INPUT, 1)).toBe(100);
    expect(backoffAfter(INPUT, 3)).toBe(400);
  });

  it("sync.now starts a pass from idle and from backingOff at once", async () => {
    const { state, last, flush, actor } = start();
    last().succeed();
    await flush();
    actor.send({ type: "sync.now" });
    expect(state()).toBe("syncing");
    expect(last().input).toMatchObject({ pass: 2, trigger: "manual" });
    last().fail(new Error("down"));
    await flush();
    expect(state()).toBe("backingOff");
    actor.send({ type: "sync.now" });
    expect(state()).toBe("syncing");
    expect(last().input).toMatchObject({ pass: 3, trigger: "manual" });
  });

  it("sync.now during a pass runs one more pass right after it (the first may have missed writes)", async () => {
    const { state, last, flush, actor, passes, emitted } = start();
    actor.send({ type: "sync.now" });
    actor.send({ type: "sync.now" });
    expect(passes).toHaveLength(1);
    last().succeed();
    await flush();
    expect(state()).toBe("syncing");
    expect(passes).toHaveLength(2);
    expect(last().input).toMatchObject({ pass: 2, trigger: "manual" });
    last().succeed();
    await flush();
    expect(state()).toBe("idle");
    expect(emitted.map((e) => e.type)).toEqual([
      "sync.started",
      "sync.completed",
      "sync.started",
      "sync.completed",
    ]);
  });

  it("a failed pass with a rerun pending retries at once instead of backing off", async () => {
    const { state, last, flush, actor, emitted } = start();
    actor.send({ type: "sync.now" });
    last().fail(new Error("down"));
    await flush();
    expect(state()).toBe("syncing");
    expect(emitted.find((e) => e.type === "sync.failed")).toMatchObject({ retryInMs: null });
  });

  it("sync.finish from idle runs a final pass, then stops", async () => {
    const { state, last, flush, actor, emitted } = start();
    last().succeed();
    await flush();
    actor.send({ type: "sync.finish" });
    expect(state()).toBe("finishing");
    expect(last().input).toMatchObject({ pass: 2, trigger: "final" });
    last().succeed({ records: 2, batches: 1 });
    await flush();
    expect(state()).toBe("stopped");
    expect(actor.getSnapshot().status).toBe("done");
    expect(emitted.slice(-3)).toEqual([
      { type: "sync.started", remote: REMOTE, pass: 2, trigger: "final" },
      { type: "sync.completed", remote: REMOTE, pass: 2, output: { records: 2, batches: 1 } },
      { type: "sync.stopped", remote: REMOTE },
    ]);
  });

  it("sync.finish during a pass lets it end, then runs the final pass; a failed final pass still stops", async () => {
    const { state, last, flush, actor, passes, emitted } = start();
    actor.send({ type: "sync.finish" });
    expect(state()).toBe("syncing");
    last().fail(new Error("down"));
    await flush();
    expect(state()).toBe("finishing");
    expect(passes).toHaveLength(2);
    last().fail(new Error("still down"));
    await flush();
    expect(state()).toBe("stopped");
    expect(emitted.filter((e) => e.type === "sync.failed")).toHaveLength(2);
    expect(emitted.at(-1)).toEqual({ type: "sync.stopped", remote: REMOTE });
  });

  it("sync.finish from backingOff does not wait for the backoff", async () => {
    const { state, last, flush, actor } = start();
    last().fail(new Error("down"));
    await flush();
    actor.send({ type: "sync.finish" });
    expect(state()).toBe("finishing");
  });

  it("sync.stop cancels a pass in flight (its signal aborts) and stops", () => {
    const { state, last, actor, emitted } = start();
    const pass = last();
    actor.send({ type: "sync.stop" });
    expect(state()).toBe("stopped");
    expect(pass.signal.aborted).toBe(true);
    expect(emitted.at(-1)).toEqual({ type: "sync.stopped", remote: REMOTE });
  });

  it("the unprovided effect fails loudly", async () => {
    const actor = createActor(syncMachine, { clock: new SimulatedClock(), input: INPUT });
    const emitted: SyncMachineEmitted[] = [];
    actor.on("sync.failed", (e) => emitted.push(e));
    actor.start();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(emitted[0]).toMatchObject({
      error: { message: expect.stringContaining('"ship" was not provided') },
    });
  });
});
