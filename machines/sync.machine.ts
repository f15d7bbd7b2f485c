import { assign, emit, fromPromise, type SnapshotFrom, setup } from "xstate";

/**
 * Hybrid mode's shipping loop for ONE remote, as a pure statechart. One actor per remote, so a remote
 * that is down backs off on its own while the others keep receiving.
 *
 * ```
 *            ┌──────── interval / sync.now ────────┐
 *            v                                     │
 *   ┌──> syncing ──done──> idle ─────────────────────┘
 *   │      │  ^ (sync.now while syncing: one more pass after this one)
 *   │    error
 *   │      v
 *   └── backingOff  (after the backoff delay, or at once on sync.now)
 *
 *   sync.finish: one last pass (finishing), then stopped.  sync.stop: stopped at once.
 * ```
 *
 * Pure: the one effect, `ship` (read local changes since this remote's acknowledged point, apply them
 * on the remote, store the new point), arrives through `.provide()` in src/sync/RemoteSync.ts. Timers
 * are XState delays, so the actor's clock drives them (a `SimulatedClock` in tests).
 */

/** Why a pass started. */
export type SyncTrigger = "start" | "interval" | "manual" | "retry" | "final";

export interface SyncMachineInput {
  /** The remote's URL; copied into every emitted event. */
  remote: string;
  /** Pause between the end of one pass and the next. */
  intervalMs: number;
  /** Backoff cap after the first failure; doubles (`multiplier`) per consecutive failure. */
  initialBackoffMs: number;
  /** No backoff exceeds this (nor `intervalMs`: a failing remote is retried at least that often). */
  maxBackoffMs: number;
  multiplier: number;
}

export interface SyncMachineContext extends SyncMachineInput {
  /** Number of the current (or last) pass, from 1. */
  pass: number;
  trigger: SyncTrigger;
  consecutiveFailures: number;
  /** Wait before the next attempt after a failure. */
  retryInMs: number;
  /** A `sync.now` arrived during a pass: run another one right after it (it may have missed writes). */
  rerun: boolean;
  /** A `sync.finish` arrived during a pass: run the final pass right after it. */
  finishing: boolean;
  lastError: Error | null;
}

export type SyncMachineEvent =
  /** Ship now (manual `syncNow()`); during a pass, one more pass follows it. */
  | { type: "sync.now" }
  /** One last pass (shutdown), then stop. */
  | { type: "sync.finish" }
  /** Stop at once; a pass in flight is cancelled (its actor's signal aborts). */
  | { type: "sync.stop" };

/** What one pass reports back (the `ship` actor's output). */
export interface PassOutput {
  records: number;
  batches: number;
}

/** What the `ship` effect receives. */
export interface PassInput {
  remote: string;
  pass: number;
  trigger: SyncTrigger;
}

/** Outbound events; the runtime stamps `ts`, adds the pass's figures and publishes them on `events$`. */
export type SyncMachineEmitted =
  | { type: "sync.started"; remote: string; pass: number; trigger: SyncTrigger }
  | { type: "sync.completed"; remote: string; pass: number; output: PassOutput }
  | {
      type: "sync.failed";
      remote: string;
      pass: number;
      error: Error;
      consecutiveFailures: number;
      /** When the next attempt is due; null when another pass follows at once or the loop is stopping. */
      retryInMs: number | null;
    }
  | { type: "sync.stopped"; remote: string };

/** The backoff after `failures` consecutive failures: exponential, capped (no jitter: one client). */
export function backoffAfter(context: SyncMachineInput, failures: number): number {
  const grown = context.initialBackoffMs * context.multiplier ** Math.max(0, failures - 1);
  return Math.min(grown, context.maxBackoffMs, context.intervalMs);
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

const passInput = ({ context }: { context: SyncMachineContext }): PassInput => ({
  remote: context.remote,
  pass: context.pass,
  trigger: context.trigger,
});

const completed = (context: SyncMachineContext, output: PassOutput): SyncMachineEmitted => ({
  type: "sync.completed",
  remote: context.remote,
  pass: context.pass,
  output,
});

/** The context after a failed pass; `backOff` false when another pass follows at once. */
function failure(context: SyncMachineContext, error: unknown, backOff: boolean): Partial<SyncMachineContext> {
  const failures = context.consecutiveFailures + 1;
  return {
    consecutiveFailures: failures,
    lastError: asError(error),
    retryInMs: backOff ? backoffAfter(context, failures) : 0,
  };
}

const failed = (context: SyncMachineContext, retryInMs: number | null): SyncMachineEmitted => ({
  type: "sync.failed",
  remote: context.remote,
  pass: context.pass,
  error: context.lastError ?? new Error("sync pass failed"),
  consecutiveFailures: context.consecutiveFailures,
  retryInMs,
});

export const syncMachine = setup({
  types: {
    input: {} as SyncMachineInput,
    context: {} as SyncMachineContext,
    events: {} as SyncMachineEvent,
    emitted: {} as SyncMachineEmitted,
  },
  actors: {
    ship: fromPromise<PassOutput, PassInput>(async () => {
      throw new Error('sync machine effect "ship" was not provided');
    }),
  },
  guards: {
    finishRequested: ({ context }) => context.finishing,
    rerunRequested: ({ context }) => context.rerun,
  },
  delays: {
    interval: ({ context }) => context.intervalMs,
    backoff: ({ context }) => context.retryInMs,
  },
  actions: {
    beginPass: assign(({ context }) => ({ pass: context.pass + 1, rerun: false })),
    setTrigger: assign((_, params: { trigger: SyncTrigger }) => ({ trigger: params.trigger })),
    requestRerun: assign({ rerun: true }),
    requestFinish: assign({ finishing: true }),
    recordSuccess: assign({ consecutiveFailures: 0, lastError: null, retryInMs: 0 }),
    emitStarted: emit(({ context }) => ({
      type: "sync.started" as const,
      remote: context.remote,
      pass: context.pass,
      trigger: context.trigger,
    })),
    emitStopped: emit(({ context }) => ({ type: "sync.stopped" as const, remote: context.remote })),
  },
}).createMachine({
  id: "sync",
  initial: "syncing",
  context: ({ input }) => ({
    ...input,
    pass: 0,
    trigger: "start",
    consecutiveFailures: 0,
    retryInMs: 0,
    rerun: false,
    finishing: false,
    lastError: null,
  }),
  on: {
    "sync.stop": ".stopped",
  },
  states: {
    /** Waiting for the next interval (or a `sync.now`). */
    idle: {
      after: {
        interval: { target: "syncing", actions: { type: "setTrigger", params: { trigger: "interval" } } },
      },
      on: {
        "sync.now": { target: "syncing", actions: { type: "setTrigger", params: { trigger: "manual" } } },
        "sync.finish": "finishing",
      },
    },
    /** One pass: every batch of local changes since the remote's acknowledged point, shipped in order. */
    syncing: {
      entry: ["beginPass", "emitStarted"],
      on: {
        "sync.now": { actions: "requestRerun" },
        "sync.finish": { actions: "requestFinish" },
      },
      invoke: {
        src: "ship",
        input: passInput,
        onDone: [
          {
            guard: "finishRequested",
            target: "finishing",
            actions: ["recordSuccess", emit(({ context, event }) => completed(context, event.output))],
          },
          {
            guard: "rerunRequested",
            target: "syncing",
            reenter: true,
            actions: [
              "recordSuccess",
              emit(({ context, event }) => completed(context, event.output)),
              { type: "setTrigger", params: { trigger: "manual" } },
            ],
          },
          {
            target: "idle",
            actions: ["recordSuccess", emit(({ context, event }) => completed(context, event.output))],
          },
        ],
        onError: [
          {
            guard: "finishRequested",
            target: "finishing",
            actions: [
              assign(({ context, event }) => failure(context, event.error, false)),
              emit(({ context }) => failed(context, null)),
            ],
          },
          {
            guard: "rerunRequested",
            target: "syncing",
            reenter: true,
            actions: [
              assign(({ context, event }) => failure(context, event.error, false)),
              emit(({ context }) => failed(context, null)),
              { type: "setTrigger", params: { trigger: "manual" } },
            ],
          },
          {
            target: "backingOff",
            actions: [
              assign(({ context, event }) => failure(context, event.error, true)),
              emit(({ context }) => failed(context, context.retryInMs)),
            ],
          },
        ],
      },
    },
    /** The remote failed: wait `retryInMs` (exponential per consecutive failure), then try again. */
    backingOff: {
      after: {
        backoff: { target: "syncing", actions: { type: "setTrigger", params: { trigger: "retry" } } },
      },
      on: {
        "sync.now": { target: "syncing", actions: { type: "setTrigger", params: { trigger: "manual" } } },
        "sync.finish": "finishing",
      },
    },
    /** The final pass of a shutdown; whatever it cannot ship is reported as unsynced. */
    finishing: {
      entry: [{ type: "setTrigger", params: { trigger: "final" } }, "beginPass", "emitStarted"],
      invoke: {
        src: "ship",
        input: passInput,
        onDone: {
          target: "stopped",
          actions: ["recordSuccess", emit(({ context, event }) => completed(context, event.output))],
        },
        onError: {
          target: "stopped",
          actions: [
            assign(({ context, event }) => failure(context, event.error, false)),
            emit(({ context }) => failed(context, null)),
          ],
        },
      },
    },
    /** Final: no more passes. */
    stopped: {
      type: "final",
      entry: "emitStopped",
    },
  },
});

export type SyncMachine = typeof syncMachine;
export type SyncSnapshot = SnapshotFrom<typeof syncMachine>;
/** The top-level state names, for health and the dashboard. */
export type SyncStateValue = "idle" | "syncing" | "backingOff" | "finishing" | "stopped";

export function syncStateOf(snapshot: SyncSnapshot): SyncStateValue {
  return snapshot.value as SyncStateValue;
}
