import { and, assign, fromCallback, fromPromise, type SnapshotFrom, setup } from "xstate";

/**
 * One `manager.live()` subscription's life: registered, live, lost and registered again (back-filled
 * from the change feed, or with a gap where the feed cannot close it), until it ends. Pure: its effects
 * (the registrations, the back-fill, the feed polling while live) and its commands (drop a registration,
 * announce, put a gap, finish) are placeholders here and arrive through `.provide()` in
 * src/live/LiveRun.ts, which reads its subscription from `resource`.
 *
 * Leaving a state cancels what it started: an invoked effect's signal is aborted and a pending backoff
 * is cleared, so an answer that comes after the subscription moved on is never acted upon.
 */

export interface LiveSubscriptionInput {
  subscriptionId: string;
  /** Registration attempts, the first included, before the subscription fails. At least 1. */
  maxAttempts: number;
  /**
   * The runtime's handle for its effects, opaque here, so one provided machine serves every
   * subscription (a `.provide()` per subscription would build a new machine definition each time).
   */
  resource?: unknown;
}

/** Why it ended. */
export type LiveSubscriptionEnd =
  | { reason: "unsubscribed" | "aborted" | "shutdown" }
  /** The subscriber fell `bufferSize` notifications behind. */
  | { reason: "overflow"; error: Error }
  /** Out of attempts, or (first registration) an error another attempt would not fix. */
  | { reason: "failed"; failure: "register" | "resubscribe"; error: Error };

export interface LiveSubscriptionContext extends LiveSubscriptionInput {
  /** The registration attempt running or waited for, counted from 1 per registering or recovery. */
  attempt: number;
  /** What failed the last attempt. */
  lastError: Error | null;
  /** Set on entering `ended` or `failed`. */
  end: LiveSubscriptionEnd | null;
}

export type LiveSubscriptionEvent =
  /** Its connection was lost, its live query killed by the server, or a feed read failed. */
  | { type: "live.lost"; error: Error }
  /** The subscriber left, its signal aborted, or the pool shuts down. */
  | { type: "live.stop"; reason: "unsubscribed" | "aborted" | "shutdown" }
  /** The subscriber fell `bufferSize` notifications behind. */
  | { type: "live.overflow"; error: Error };

/** What each effect receives. */
export interface LiveEffectInput {
  subscriptionId: string;
  attempt: number;
  resource: unknown;
}

/** Output of `reregister`: whether the change feed reaches back to the loss (then back-fill from it). */
export interface ReregisterOutput {
  reachesBack: boolean;
}

/** Output of `backfill`: the changes read from the feed and delivered. */
export interface BackfillOutput {
  backfilled: number;
}

const notProvided = <T>(name: string) =>
  fromPromise<T, LiveEffectInput>(async () => {
    throw new Error(`live subscription effect "${name}" was not provided`);
  });

const effectInput = ({ context }: { context: LiveSubscriptionContext }): LiveEffectInput => ({
  subscriptionId: context.subscriptionId,
  attempt: context.attempt,
  resource: context.resource,
});

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

/** The error of a failed effect, or of a `live.lost` that failed an attempt. */
const errorOf = (event: { type: string; error?: unknown }): Error => asError(event.error);

/**
 * A failed attempt at registering again (its effect failed, or its connection was lost under it): the
 * next one after a backoff, or the end when none is left.
 */
const retryOrFail = [
  {
    guard: "attemptsLeft",
    target: "#liveSubscription.backingOff",
    actions: ["rememberError", "dropRegistration", "nextAttempt"],
  },
  {
    target: "#liveSubscription.failed",
    actions: ["rememberError", "dropRegistration", { type: "failWith", params: { failure: "resubscribe" } }],
  },
] as const;

export const liveSubscriptionMachine = setup({
  types: {
    context: {} as LiveSubscriptionContext,
    input: {} as LiveSubscriptionInput,
    events: {} as LiveSubscriptionEvent,
  },
  actors: {
    /** Place it on a connection and register its LIVE SELECT (the first time). */
    register: notProvided<void>("register"),
    /** Place it on a connection again after a loss and register its LIVE SELECT there. */
    reregister: notProvided<ReregisterOutput>("reregister"),
    /** Read what was committed while it was lost from the change feed, and deliver it. */
    backfill: notProvided<BackfillOutput>("backfill"),
    /** While live: read the change feed now and then, whether notifications come or not. */
    follow: fromCallback<{ type: string }, LiveEffectInput>(() => () => {}),
  },
  delays: {
    /** Before attempt `attempt` of a registration; the runtime draws it (jittered backoff). */
    backoff: () => 0,
  },
  guards: {
    /** Another attempt may succeed (the runtime classifies the error); placeholder: never. */
    retryable: () => false,
    attemptsLeft: ({ context }) => context.attempt < context.maxAttempts,
    retryableWithAttemptsLeft: and(["retryable", "attemptsLeft"]),
    /** The change feed reaches back to the loss: the back-fill closes it. */
    feedReachesBack: ({ event }) =>
      (event as { output?: Partial<ReregisterOutput> }).output?.reachesBack === true,
  },
  actions: {
    /** Let go of the registration: stop listening, kill its live query, leave its connection. */
    dropRegistration: () => {},
    /** Tell the world (the stream is live, and was lost, and is back). */
    announceSubscribed: () => {},
    announceLost: (_, _params: { error: Error }) => {},
    announceResubscribed: () => {},
    /** Put a gap covering the loss in the stream, then what the new live query sent meanwhile. */
    putGap: () => {},
    /** End the stream (complete it, or error it), kill the live query, leave the connection. */
    finish: () => {},
    nextAttempt: assign({ attempt: ({ context }) => context.attempt + 1 }),
    firstAttempt: assign({ attempt: 1 }),
    rememberError: assign({ lastError: ({ event }) => errorOf(event as { type: string; error?: unknown }) }),
    endBy: assign({
      end: ({ event }): LiveSubscriptionEnd =>
        event.type === "live.overflow"
          ? { reason: "overflow", error: event.error }
          : { reason: event.type === "live.stop" ? event.reason : "unsubscribed" },
    }),
    failWith: assign({
      end: ({ context }, params: { failure: "register" | "resubscribe" }): LiveSubscriptionEnd => ({
        reason: "failed",
        failure: params.failure,
        error: context.lastError ?? new Error("the live query could not be registered"),
      }),
    }),
  },
}).createMachine({
  id: "liveSubscription",
  initial: "registering",
  context: ({ input }) => ({ ...input, attempt: 1, lastError: null, end: null }),
  on: {
    "live.stop": { target: ".ended", actions: "endBy" },
    "live.overflow": { target: ".failed", actions: "endBy" },
  },
  states: {
    /**
     * The first registration. An error of the query itself (a bad WHERE, no permission) fails it at
     * once; a lost connection or a deadline is tried again after a backoff, up to `maxAttempts`. Waiting
     * for an open breaker to probe again happens inside `register` and spends no attempt.
     */
    registering: {
      initial: "attempting",
      states: {
        attempting: {
          invoke: {
            src: "register",
            input: effectInput,
            onDone: { target: "#liveSubscription.live", actions: "announceSubscribed" },
            onError: [
              {
                guard: "retryableWithAttemptsLeft",
                target: "waiting",
                actions: ["rememberError", "dropRegistration"],
              },
              {
                target: "#liveSubscription.failed",
                actions: [
                  "rememberError",
                  "dropRegistration",
                  { type: "failWith", params: { failure: "register" } },
                ],
              },
            ],
          },
          on: {
            "live.lost": [
              { guard: "attemptsLeft", target: "waiting", actions: ["rememberError", "dropRegistration"] },
              {
                target: "#liveSubscription.failed",
                actions: [
                  "rememberError",
                  "dropRegistration",
                  { type: "failWith", params: { failure: "register" } },
                ],
              },
            ],
          },
        },
        waiting: {
          after: { backoff: { target: "attempting", actions: "nextAttempt" } },
        },
      },
    },
    /** Registered: notifications flow to the subscriber; on a fed table the feed is read now and then. */
    live: {
      invoke: { src: "follow", input: effectInput },
      on: { "live.lost": { target: "lost", actions: "rememberError" } },
    },
    /** Lost: the loss is announced (where it was), and the registration let go of. */
    lost: {
      entry: [
        {
          type: "announceLost",
          params: ({ context }) => ({ error: context.lastError ?? new Error("lost") }),
        },
        "dropRegistration",
        "firstAttempt",
      ],
      always: "backingOff",
    },
    /**
     * Waiting before the next attempt, each subscription its own jittered time, so those lost together
     * do not come back in lockstep.
     */
    backingOff: {
      after: { backoff: "reregistering" },
    },
    /** Registering the LIVE SELECT again, on another connection (another endpoint when there is one). */
    reregistering: {
      invoke: {
        src: "reregister",
        input: effectInput,
        onDone: [{ guard: "feedReachesBack", target: "backfilling" }, { target: "gap" }],
        onError: retryOrFail,
      },
      on: {
        "live.lost": retryOrFail,
      },
    },
    /** Reading what was committed while lost from the change feed: exactly once, in commit order. */
    backfilling: {
      invoke: {
        src: "backfill",
        input: effectInput,
        onDone: { target: "live", actions: "announceResubscribed" },
        onError: retryOrFail,
      },
      on: {
        "live.lost": retryOrFail,
      },
    },
    /**
     * No feed, or one that no longer reaches back to the loss: a gap covering the time it was lost goes
     * into the stream, then the new live query's notifications.
     */
    gap: {
      entry: "putGap",
      always: { target: "live", actions: "announceResubscribed" },
    },
    /** Unsubscribed, aborted or shut down: the stream completes. */
    ended: { type: "final", entry: "finish" },
    /** Out of attempts, refused, or overflowed: the stream errors with why. */
    failed: { type: "final", entry: "finish" },
  },
});

export type LiveSubscriptionMachine = typeof liveSubscriptionMachine;
export type LiveSubscriptionSnapshot = SnapshotFrom<typeof liveSubscriptionMachine>;

/** Lost and not (yet) registered again. */
export function isRecovering(snapshot: LiveSubscriptionSnapshot): boolean {
  return ["lost", "backingOff", "reregistering", "backfilling", "gap"].some((s) =>
    snapshot.matches(s as "lost"),
  );
}
