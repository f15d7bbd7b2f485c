import { describe, expect, it } from "vitest";
import { createActor, SimulatedClock } from "xstate";
import {
  breakerStateOf,
  type CircuitBreakerEmitted,
  type CircuitBreakerInput,
  canPass,
  circuitBreakerMachine,
  isIsolated,
} from "./circuitBreaker.machine.js";

const ENDPOINT = "ws://db-1:8000";

function start(input: Partial<CircuitBreakerInput> = {}) {
  const clock = new SimulatedClock();
  const actor = createActor(circuitBreakerMachine, {
    clock,
    input: { endpoint: ENDPOINT, failureThreshold: 3, resetTimeoutMs: 1_000, ...input },
  });
  const emitted: CircuitBreakerEmitted[] = [];
  actor.on("breaker.transition", (event) => emitted.push(event));
  actor.start();
  const send = (type: "success" | "failure" | "probe" | "release" | "reset" | "isolate", times = 1) => {
    for (let i = 0; i < times; i++) actor.send({ type: `breaker.${type}` });
  };
  const state = () => breakerStateOf(actor.getSnapshot());
  return { actor, clock, emitted, send, state };
}

describe("circuitBreaker machine", () => {
  it("starts closed with defaults filled in", () => {
    const { actor, state } = start();
    expect(state()).toBe("closed");
    expect(actor.getSnapshot().context).toMatchObject({
      halfOpenMaxProbes: 1,
      consecutiveFailures: 0,
      probesInFlight: 0,
      failureRateThreshold: undefined,
    });
    expect(canPass(actor.getSnapshot())).toBe(true);
  });

  it("opens after failureThreshold consecutive failures and emits the transition", () => {
    const { send, state, emitted, actor } = start();
    send("failure", 2);
    expect(state()).toBe("closed");
    expect(actor.getSnapshot().context.consecutiveFailures).toBe(2);
    send("failure");
    expect(state()).toBe("open");
    expect(canPass(actor.getSnapshot())).toBe(false);
    expect(emitted).toEqual([
      { type: "breaker.transition", endpoint: ENDPOINT, from: "closed", to: "open", failures: 3 },
    ]);
  });

  it("a success in between breaks the streak", () => {
    const { send, state, actor } = start();
    send("failure", 2);
    send("success");
    expect(actor.getSnapshot().context.consecutiveFailures).toBe(0);
    send("failure", 2);
    expect(state()).toBe("closed");
  });

  it("failureThreshold 1 opens on the first failure", () => {
    const { send, state } = start({ failureThreshold: 1 });
    send("failure");
    expect(state()).toBe("open");
  });

  it("moves open -> halfOpen after resetTimeoutMs on the actor's clock, not before", () => {
    const { send, state, clock, emitted } = start();
    send("failure", 3);
    clock.increment(999);
    expect(state()).toBe("open");
    clock.increment(1);
    expect(state()).toBe("halfOpen");
    expect(emitted.at(-1)).toEqual({
      type: "breaker.transition",
      endpoint: ENDPOINT,
      from: "open",
      to: "halfOpen",
      failures: 3,
    });
  });

  it("ignores outcomes while open (they predate the opening)", () => {
    const { send, state, clock, emitted } = start();
    send("failure", 3);
    send("success");
    send("failure", 5);
    expect(state()).toBe("open");
    expect(emitted).toHaveLength(1);
    clock.increment(1_000);
    expect(state()).toBe("halfOpen");
  });

  it("halfOpen: a success closes and clears the counts", () => {
    const { send, state, clock, emitted, actor } = start();
    send("failure", 3);
    clock.increment(1_000);
    send("probe");
    send("success");
    expect(state()).toBe("closed");
    expect(actor.getSnapshot().context).toMatchObject({ consecutiveFailures: 0, probesInFlight: 0 });
    expect(emitted.map((e) => `${e.from}->${e.to}:${e.failures}`)).toEqual([
      "closed->open:3",
      "open->halfOpen:3",
      "halfOpen->closed:0",
    ]);
  });

  it("halfOpen: a failure re-opens for another resetTimeoutMs", () => {
    const { send, state, clock, emitted } = start();
    send("failure", 3);
    clock.increment(1_000);
    send("probe");
    send("failure");
    expect(state()).toBe("open");
    expect(emitted.at(-1)).toMatchObject({ from: "halfOpen", to: "open", failures: 4 });
    clock.increment(999);
    expect(state()).toBe("open");
    clock.increment(1);
    expect(state()).toBe("halfOpen");
  });

  it("halfOpen: refuses probes beyond halfOpenMaxProbes; release frees a slot", () => {
    const { send, clock, actor } = start({ halfOpenMaxProbes: 2 });
    send("failure", 3);
    clock.increment(1_000);
    expect(canPass(actor.getSnapshot())).toBe(true);
    send("probe", 2);
    expect(actor.getSnapshot().context.probesInFlight).toBe(2);
    expect(canPass(actor.getSnapshot())).toBe(false);
    send("probe");
    expect(actor.getSnapshot().context.probesInFlight).toBe(2);
    send("release");
    expect(actor.getSnapshot().context.probesInFlight).toBe(1);
    expect(canPass(actor.getSnapshot())).toBe(true);
    send("release", 3);
    expect(actor.getSnapshot().context.probesInFlight).toBe(0);
  });

  it("probes and releases are ignored outside halfOpen", () => {
    const { send, actor } = start();
    send("probe", 3);
    send("release");
    expect(actor.getSnapshot().context.probesInFlight).toBe(0);
    expect(breakerStateOf(actor.getSnapshot())).toBe("closed");
  });

  it("a re-opened breaker starts its next halfOpen with every probe slot free", () => {
    const { send, clock, actor } = start();
    send("failure", 3);
    clock.increment(1_000);
    send("probe");
    send("failure");
    clock.increment(1_000);
    expect(actor.getSnapshot().context.probesInFlight).toBe(0);
    expect(canPass(actor.getSnapshot())).toBe(true);
  });

  describe("manual control", () => {
    it("reset closes an open breaker and cancels its timer", () => {
      const { send, state, clock, emitted } = start();
      send("failure", 3);
      send("reset");
      expect(state()).toBe("closed");
      expect(emitted.at(-1)).toMatchObject({ from: "open", to: "closed", failures: 0 });
      clock.increment(5_000);
      expect(state()).toBe("closed");
      expect(emitted).toHaveLength(2);
    });

    it("reset while closed clears the count without a transition", () => {
      const { send, state, emitted, actor } = start();
      send("failure", 2);
      send("reset");
      expect(actor.getSnapshot().context.consecutiveFailures).toBe(0);
      send("failure", 2);
      expect(state()).toBe("closed");
      expect(emitted).toHaveLength(0);
    });

    it("reset closes a halfOpen breaker", () => {
      const { send, state, clock, emitted } = start();
      send("failure", 3);
      clock.increment(1_000);
      send("reset");
      expect(state()).toBe("closed");
      expect(emitted.at(-1)).toMatchObject({ from: "halfOpen", to: "closed" });
    });

    it("isolate holds the breaker open forever until reset", () => {
      const { send, state, clock, emitted, actor } = start();
      send("isolate");
      expect(state()).toBe("open");
      expect(isIsolated(actor.getSnapshot())).toBe(true);
      expect(emitted).toEqual([
        { type: "breaker.transition", endpoint: ENDPOINT, from: "closed", to: "open", failures: 0 },
      ]);
      clock.increment(1_000_000);
      expect(state()).toBe("open");
      send("success");
      send("probe");
      expect(state()).toBe("open");
      send("reset");
      expect(state()).toBe("closed");
      expect(isIsolated(actor.getSnapshot())).toBe(false);
    });

    it("isolate while open (cooling) stops the reset timer without a second transition", () => {
      const { send, state, clock, emitted, actor } = start();
      send("failure", 3);
      clock.increment(500);
      send("isolate");
      expect(isIsolated(actor.getSnapshot())).toBe(true);
      clock.increment(10_000);
      expect(state()).toBe("open");
      expect(emitted).toHaveLength(1);
    });

    it("isolate while halfOpen re-opens", () => {
      const { send, state, clock, emitted, actor } = start();
      send("failure", 3);
      clock.increment(1_000);
      send("isolate");
      expect(state()).toBe("open");
      expect(isIsolated(actor.getSnapshot())).toBe(true);
      expect(emitted.at(-1)).toMatchObject({ from: "halfOpen", to: "open" });
    });
  });

  describe("failure-rate rule", () => {
    const rate = { failureThreshold: 100, failureRateThreshold: 0.5, windowSize: 4 };

    it("opens when failures reach the rate over a full window, even without a streak", () => {
      const { send, state, emitted } = start(rate);
      send("failure");
      send("success");
      send("failure");
      expect(state()).toBe("closed"); // 3 outcomes < minimumThroughput (defaults to windowSize 4)
      send("success");
      expect(state()).toBe("closed"); // window [F,S,F,S]: the rule is judged on failures only
      send("failure");
      expect(state()).toBe("open"); // window [S,F,S,F]: 2/4 >= 0.5
      expect(emitted.at(-1)).toMatchObject({ from: "closed", to: "open", failures: 1 });
    });

    it("slides: old failures drop out of the window", () => {
      const { send, state } = start({ ...rate, failureRateThreshold: 0.75 });
      send("failure", 2);
      send("success", 4);
      send("failure", 2); // window [S,S,F,F]: 0.5 < 0.75
      expect(state()).toBe("closed");
      send("failure"); // window [S,F,F,F]: 0.75
      expect(state()).toBe("open");
    });

    it("respects minimumThroughput", () => {
      const { send, state } = start({ ...rate, minimumThroughput: 2 });
      send("success");
      send("failure"); // 1/2 >= 0.5 with 2 outcomes
      expect(state()).toBe("open");
    });

    it("starts a fresh window after closing", () => {
      const { send, state, clock, actor } = start({ ...rate, minimumThroughput: 2 });
      send("success");
      send("failure");
      clock.increment(1_000);
      send("success");
      expect(state()).toBe("closed");
      expect(actor.getSnapshot().context.window).toEqual([]);
      send("success", 2);
      send("failure");
      expect(state()).toBe("closed"); // [S,S,F]: 1/3 < 0.5
      expect(actor.getSnapshot().context.window).toEqual([false, false, true]);
    });

    it("keeps no window when the rule is off", () => {
      const { send, actor } = start();
      send("success", 5);
      send("failure");
      expect(actor.getSnapshot().context.window).toEqual([]);
    });
  });

  it("can be restored from a persisted snapshot", () => {
    const { send, actor } = start();
    send("failure", 2);
    const persisted = actor.getPersistedSnapshot();
    const restored = createActor(circuitBreakerMachine, {
      snapshot: persisted,
      input: { endpoint: ENDPOINT, failureThreshold: 3, resetTimeoutMs: 1_000 },
    }).start();
    restored.send({ type: "breaker.failure" });
    expect(breakerStateOf(restored.getSnapshot())).toBe("open");
    restored.stop();
  });
});
