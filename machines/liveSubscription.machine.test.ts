// The live subscription machine against a model far simpler than it: a phase, what is in flight, and
// the attempts of the phase. The effects are promises the test settles by hand (or settles late, after
// the machine moved on), the backoff runs on a SimulatedClock. After every step: the machine is where
// the model is, exactly the effects of its current state are running (leaving a state cancelled the
// others), it holds a registration exactly while one is in use, and it announced and finished as often
// as the model says.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createActor, fromCallback, fromPromise, SimulatedClock } from "xstate";
import {
  type BackfillOutput,
  isRecovering,
  type LiveEffectInput,
  liveSubscriptionMachine,
  type ReregisterOutput,
} from "./liveSubscription.machine.js";

type Phase = "registering" | "live" | "recovering" | "ended" | "failed";
type Step = "effect" | "backfill" | "waiting" | "none";

interface Model {
  phase: Phase;
  /** What the phase is doing: an effect in flight (registering, registering again, back-filling), or waiting. */
  step: Step;
  /** Attempts of the phase, the one in flight or waited for included. */
  tries: number;
  max: number;
  subscribed: number;
  lost: number;
  resubscribed: number;
  gaps: number;
  /** Effects the machine left behind (cancelled), not settled yet. */
  stale: number;
  end: string | undefined;
}

interface Effect {
  kind: "register" | "reregister" | "backfill";
  signal: AbortSignal;
  settled: boolean;
  succeed(reachesBack: boolean): void;
  fail(error: Error): void;
}

/** The machine with its effects and commands recorded. */
class Real {
  readonly clock = new SimulatedClock();
  readonly effects: Effect[] = [];
  following = 0;
  held = false;
  finished: string[] = [];
  subscribed = 0;
  lost = 0;
  resubscribed = 0;
  gaps = 0;
  readonly actor;

  constructor(maxAttempts: number) {
    const effect =
      <T>(kind: Effect["kind"], output: (reachesBack: boolean) => T) =>
      ({ signal }: { signal: AbortSignal }) =>
        new Promise<T>((resolve, reject) => {
          // A registration is held from the moment an effect places it.
          if (kind !== "backfill") this.held = true;
          const e: Effect = {
            kind,
            signal,
            settled: false,
            succeed: (reachesBack) => {
              e.settled = true;
              resolve(output(reachesBack));
            },
            fail: (error) => {
              e.settled = true;
              reject(error);
            },
          };
          this.effects.push(e);
        });
    const logic = liveSubscriptionMachine.provide({
      actors: {
        register: fromPromise<void, LiveEffectInput>(effect("register", () => undefined)),
        reregister: fromPromise<ReregisterOutput, LiveEffectInput>(
          effect("reregister", (reachesBack) => ({ reachesBack })),
        ),
        backfill: fromPromise<BackfillOutput, LiveEffectInput>(effect("backfill", () => ({ backfilled: 3 }))),
        follow: fromCallback<{ type: string }, LiveEffectInput>(() => {
          this.following++;
          return () => this.following--;
        }),
      },
      delays: { backoff: ({ context }) => 100 * context.attempt },
      guards: { retryable: ({ event }) => (event as { error?: Error }).error?.message === "transient" },
      actions: {
        dropRegistration: () => {
          this.held = false;
        },
        announceSubscribed: () => this.subscribed++,
        announceLost: () => this.lost++,
        announceResubscribed: () => this.resubscribed++,
        putGap: () => this.gaps++,
        finish: ({ context }) => {
          this.held = false;
          this.finished.push(context.end?.reason ?? "?");
        },
      },
    });
    this.actor = createActor(logic, { clock: this.clock, input: { subscriptionId: "s", maxAttempts } });
    this.actor.start();
  }

  get running(): Effect[] {
    return this.effects.filter((e) => !e.settled && !e.signal.aborted);
  }

  get stale(): Effect[] {
    return this.effects.filter((e) => !e.settled && e.signal.aborted);
  }

  phase(): Phase {
    const snapshot = this.actor.getSnapshot();
    if (snapshot.matches("registering")) return "registering";
    if (snapshot.matches("live")) return "live";
    if (isRecovering(snapshot)) return "recovering";
    return snapshot.matches("ended") ? "ended" : "failed";
  }
}

/** Lets a settled effect's outcome reach the machine. */
const flush = () => new Promise((resolve) => setTimeout(resolve, 0));
const final = (m: Model) => m.phase === "ended" || m.phase === "failed";
const inFlight = (m: Model) => m.step === "effect" || m.step === "backfill";

/** An attempt failed (its effect, or its connection): another after a backoff, or the end. */
function attemptFailed(m: Model, retryable: boolean): void {
  if (m.phase === "registering" ? retryable && m.tries < m.max : m.tries < m.max) {
    m.step = "waiting";
    if (m.phase === "recovering") m.tries++;
  } else Object.assign(m, { phase: "failed", step: "none", end: "failed" });
}

type Cmd = fc.AsyncCommand<Model, Real>;

/** A command that acts, updates the model, and checks that both agree. */
const command = (
  name: string,
  check: (m: Model) => boolean,
  step: (m: Model, r: Real) => Promise<void>,
): Cmd => ({
  check,
  async run(m, r) {
    await step(m, r);
    agree(m, r);
  },
  toString: () => name,
});

const succeed = (reachesBack: boolean): Cmd =>
  command(`succeed(${reachesBack ? "feed reaches back" : "gap"})`, inFlight, async (m, r) => {
    r.running[0]?.succeed(reachesBack);
    await flush();
    if (m.phase === "registering")
      Object.assign(m, { phase: "live", step: "none", subscribed: m.subscribed + 1 });
    else if (m.step === "effect" && reachesBack) m.step = "backfill";
    else {
      if (m.step === "effect") m.gaps++;
      Object.assign(m, { phase: "live", step: "none", resubscribed: m.resubscribed + 1 });
    }
  });

const fail = (retryable: boolean): Cmd =>
  command(`fail(${retryable ? "transient" : "refused"})`, inFlight, async (m, r) => {
    r.running[0]?.fail(new Error(retryable ? "transient" : "refused"));
    await flush();
    attemptFailed(m, retryable);
  });

const lose = command(
  "lose",
  (m) => !final(m),
  async (m, r) => {
    r.actor.send({ type: "live.lost", error: new Error("lost") });
    await flush();
    if (m.phase === "live")
      Object.assign(m, { phase: "recovering", step: "waiting", tries: 1, lost: m.lost + 1 });
    else if (inFlight(m)) {
      m.stale++;
      attemptFailed(m, true);
    }
  },
);

/** The clock passes every backoff: in any state, so a backoff left behind would fire here. */
const elapse = command(
  "elapse",
  () => true,
  async (m, r) => {
    r.clock.increment(100 * m.max + 1);
    await flush();
    if (m.step !== "waiting") return;
    m.step = "effect";
    if (m.phase === "registering") m.tries++;
  },
);

/** Ends it from outside: stopped (completes), or overflowed (errors). */
const end = (how: "unsubscribed" | "aborted" | "shutdown" | "overflow"): Cmd =>
  command(
    how,
    (m) => !final(m),
    async (m, r) => {
      r.actor.send(
        how === "overflow"
          ? { type: "live.overflow", error: new Error(how) }
          : { type: "live.stop", reason: how },
      );
      await flush();
      if (inFlight(m)) m.stale++;
      Object.assign(m, { phase: how === "overflow" ? "failed" : "ended", step: "none", end: how });
    },
  );

/** An effect the machine moved on from answers after all: nothing may come of it. */
const settleLate = (ok: boolean): Cmd =>
  command(
    `settleLate(${ok ? "ok" : "error"})`,
    (m) => m.stale > 0,
    async (m, r) => {
      const late = r.stale[0];
      if (ok) late?.succeed(true);
      else late?.fail(new Error("transient"));
      await flush();
      m.stale--;
    },
  );

function agree(m: Model, r: Real): void {
  expect(r.phase()).toBe(m.phase);
  expect(r.running.map((e) => e.kind)).toHaveLength(inFlight(m) ? 1 : 0);
  if (m.step === "backfill") expect(r.running[0]?.kind).toBe("backfill");
  expect(r.stale).toHaveLength(m.stale);
  expect(r.following).toBe(m.phase === "live" ? 1 : 0);
  expect(r.held).toBe(m.phase === "live" || inFlight(m));
  expect([r.subscribed, r.lost, r.resubscribed, r.gaps]).toEqual([
    m.subscribed,
    m.lost,
    m.resubscribed,
    m.gaps,
  ]);
  expect(r.finished).toEqual(m.end === undefined ? [] : [m.end]);
  expect(r.actor.getSnapshot().context.attempt).toBeLessThanOrEqual(m.max);
  if (!final(m) && m.step !== "none") expect(r.actor.getSnapshot().context.attempt).toBe(m.tries);
}

const commands = fc.commands(
  [
    fc.boolean().map(succeed),
    fc.boolean().map(fail),
    fc.constant(lose),
    fc.constant(elapse),
    fc.constantFrom("unsubscribed", "aborted", "shutdown", "overflow" as const).map(end),
    fc.boolean().map(settleLate),
  ],
  { size: "+1" },
);

describe("liveSubscription machine", () => {
  it("agrees with its model under any sequence of outcomes, losses, backoffs, stops and late answers", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 4 }), commands, async (max, cmds) => {
        const setup = () => {
          const real = new Real(max);
          const model: Model = {
            phase: "registering",
            step: "effect",
            tries: 1,
            max,
            subscribed: 0,
            lost: 0,
            resubscribed: 0,
            gaps: 0,
            stale: 0,
            end: undefined,
          };
          return { model, real };
        };
        await fc.asyncModelRun(setup, cmds);
      }),
      { numRuns: 150 },
    );
  });
});
