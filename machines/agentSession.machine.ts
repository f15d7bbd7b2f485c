import { assign, emit, fromPromise, setup } from "xstate";

/**
 * One agent session's life: creating -> active -> closing -> closed, or failed. Pure: the two effects
 * (`prepare`, `flushLog`) and the two commands (`abortQueuedAcquires`, `releaseLeases`) are placeholders
 * here and arrive through `.provide()` in src/session/AgentSession.ts.
 *
 * The machine also states *when* an agent may do what, so the chart is the rule book:
 * - a lease: only while active. A lease is not a transition (it changes nothing in the session's life):
 *   the runtime reads the state before it hands one out, counts the agent's leases where they live, and
 *   publishes `session.leaseAcquired` / `session.leaseReleased` itself. The machine learns the count when
 *   it needs it: `session.close` carries the leases still out, and each one that comes back while
 *   closing is a `lease.returned`.
 * - `txlog.record`: only while active (the runtime asks `snapshot.can(event)`, then sends it).
 *   `txlog.settle` (commit/abort): also while closing waits for the agent's leases, so in-flight work can
 *   still settle; never once the final flush has begun.
 *
 * failed is terminal and means one of two things, both drawn: the session never became usable
 * (`prepare` failed, or it was closed before it was ready: the manager shut down while it was being
 * created), or it closed but its log could not be made durable (`flushLog` failed). In the second case
 * the runtime keeps the unwritten events, and `session.flush()` may still retry them.
 */

export interface AgentSessionInput {
  agentId: string;
  namespace: string;
  database: string;
  /** How long closing waits for the agent's leases before releasing them itself (and again for those). */
  closeTimeoutMs: number;
  /** Log events replayed from the durable sink (restore); 0 for a new session. */
  restoredEvents: number;
  /** Pending transactions in the replayed log. */
  pendingTransactions: number;
  /**
   * The runtime's handle for its effects, opaque here: handed to `prepare` and `flushLog` and read by
   * the provided actions, so one provided machine serves every session (a `.provide()` per session
   * would build a new machine definition each time, ~20 KB of heap).
   */
  resource?: unknown;
}

export interface AgentSessionContext extends AgentSessionInput {
  /** Leases closing waits for: those out when the close began, less each `lease.returned` since. */
  activeLeases: number;
  /** Leases closing released itself after `closeTimeoutMs`. */
  forcedReleases: number;
  error: Error | null;
}

export type AgentSessionMachineEvent =
  /** One of the leases closing waits for came back to the pool (sent only while closing). */
  | { type: "lease.returned" }
  | { type: "txlog.record" }
  | { type: "txlog.settle" }
  /**
   * Stop taking work, then wait for the `activeLeases` the agent holds now; `timeoutMs` overrides
   * `closeTimeoutMs` for this close (a second close may only shorten it). While still creating, the
   * session never opens: it fails with `reason`.
   */
  | { type: "session.close"; activeLeases: number; timeoutMs?: number; reason?: Error };

interface SessionRef {
  agentId: string;
}
export interface SessionCreated extends SessionRef {
  type: "session.created";
  namespace: string;
  database: string;
  /** Log events replayed from the sink (`AgentSession.restore`); 0 for a new session. */
  restoredEvents: number;
}
export interface SessionClosing extends SessionRef {
  type: "session.closing";
  /** Leases still held when closing began; closing waits for them up to `closeTimeoutMs`. */
  activeLeases: number;
  pendingTransactions: number;
}
export interface SessionClosed extends SessionRef {
  type: "session.closed";
  /** Leases closing had to release itself. */
  forcedReleases: number;
  /** Transactions left pending (neither committed nor aborted); they stay pending in the log. */
  pendingTransactions: number;
}
export interface SessionFailed extends SessionRef {
  type: "session.failed";
  /** "creating": the session never became usable. "closing": it closed, but its log is not durable. */
  phase: "creating" | "closing";
  error: Error;
}

/**
 * Outbound events (`actor.on(...)`); the runtime stamps them with `ts` and publishes them. The two lease
 * events are not the machine's (a lease is no transition): the runtime publishes them in this shape.
 */
export type AgentSessionEmitted = SessionCreated | SessionClosing | SessionClosed | SessionFailed;

export type AgentSessionStateValue =
  | "creating"
  | "active"
  | { closing: "draining" | "releasing" | "flushing" }
  | "closed"
  | "failed";

const notProvided = (name: string) =>
  fromPromise<void, { agentId: string; resource: unknown }>(async () => {
    throw new Error(`agentSession machine effect "${name}" was not provided`);
  });

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

function closedWhileCreating(event: { reason?: Error }): Error {
  return event.reason ?? new Error("the session was closed before it was ready");
}

export const agentSessionMachine = setup({
  types: {
    context: {} as AgentSessionContext,
    input: {} as AgentSessionInput,
    events: {} as AgentSessionMachineEvent,
    emitted: {} as AgentSessionEmitted,
  },
  actors: {
    /** Readies the session (e.g. the durable log's table); its failure means the session never opens. */
    prepare: notProvided("prepare"),
    /** Makes every log event durable (a no-op without a sink). */
    flushLog: notProvided("flushLog"),
  },
  actions: {
    /** Rejects the agent's acquires still waiting (in the session's queue or the pool's). */
    abortQueuedAcquires: () => {},
    /** Releases, back to the pool, the leases the agent still holds after `closeTimeoutMs`. */
    releaseLeases: () => {},
    /** The wait starts again from now with the shorter timeout. */
    shortenClose: assign({
      closeTimeoutMs: ({ context, event }) =>
        event.type === "session.close" ? (event.timeoutMs ?? context.closeTimeoutMs) : context.closeTimeoutMs,
    }),
  },
  guards: {
    noActiveLeases: ({ context }) => context.activeLeases === 0,
    /** A close asking for a shorter wait than the one under way (a shutdown's budget). */
    shortensClose: ({ context, event }) =>
      event.type === "session.close" &&
      event.timeoutMs !== undefined &&
      event.timeoutMs < context.closeTimeoutMs,
  },
  delays: {
    closeTimeout: ({ context }) => context.closeTimeoutMs,
  },
}).createMachine({
  id: "agentSession",
  initial: "creating",
  context: ({ input }) => ({ ...input, activeLeases: 0, forcedReleases: 0, error: null }),
  states: {
    /** Readying what the session needs before the agent may use it. */
    creating: {
      invoke: {
        id: "prepare",
        src: "prepare",
        input: ({ context }) => ({ agentId: context.agentId, resource: context.resource }),
        onDone: "active",
        onError: {
          target: "failed",
          actions: [
            assign({ error: ({ event }) => asError(event.error) }),
            emit(({ context, event }) => ({
              type: "session.failed" as const,
              agentId: context.agentId,
              phase: "creating" as const,
              error: asError(event.error),
            })),
          ],
        },
      },
      on: {
        // Closed before it was ready (its manager is shutting down): it never opens, and leaving the
        // state stops `prepare`, so nothing waits for it.
        "session.close": {
          target: "failed",
          actions: [
            assign({ error: ({ event }) => closedWhileCreating(event) }),
            emit(({ context, event }) => ({
              type: "session.failed" as const,
              agentId: context.agentId,
              phase: "creating" as const,
              error: closedWhileCreating(event),
            })),
          ],
        },
      },
    },
    /** Usable: the agent leases connections (up to its cap) and writes its log. */
    active: {
      entry: emit(({ context }) => ({
        type: "session.created" as const,
        agentId: context.agentId,
        namespace: context.namespace,
        database: context.database,
        restoredEvents: context.restoredEvents,
      })),
      on: {
        "txlog.record": {
          actions: assign({ pendingTransactions: ({ context }) => context.pendingTransactions + 1 }),
        },
        "txlog.settle": {
          actions: assign({
            pendingTransactions: ({ context }) => Math.max(0, context.pendingTransactions - 1),
          }),
        },
        "session.close": {
          target: "closing",
          actions: assign({
            closeTimeoutMs: ({ context, event }) => event.timeoutMs ?? context.closeTimeoutMs,
            activeLeases: ({ event }) => event.activeLeases,
          }),
        },
      },
    },
    /** Returning everything the session holds, then making its log durable. */
    closing: {
      entry: [
        "abortQueuedAcquires",
        emit(({ context }) => ({
          type: "session.closing" as const,
          agentId: context.agentId,
          activeLeases: context.activeLeases,
          pendingTransactions: context.pendingTransactions,
        })),
      ],
      // A lease can still come back once the wait is over (released by closing itself, late).
      on: {
        "lease.returned": {
          actions: assign({ activeLeases: ({ context }) => Math.max(0, context.activeLeases - 1) }),
        },
      },
      initial: "draining",
      states: {
        /** Waiting for the agent to release its leases, up to `closeTimeoutMs`. */
        draining: {
          always: { guard: "noActiveLeases", target: "flushing" },
          after: {
            closeTimeout: {
              target: "releasing",
              actions: assign({ forcedReleases: ({ context }) => context.activeLeases }),
            },
          },
          on: {
            "session.close": {
              guard: "shortensClose",
              target: "draining",
              reenter: true,
              actions: "shortenClose",
            },
            "txlog.settle": {
              actions: assign({
                pendingTransactions: ({ context }) => Math.max(0, context.pendingTransactions - 1),
              }),
            },
          },
        },
        /** Released the remaining leases itself; waits for the pool to take them back, bounded again. */
        releasing: {
          entry: "releaseLeases",
          always: { guard: "noActiveLeases", target: "flushing" },
          after: { closeTimeout: "flushing" },
          on: {
            "session.close": {
              guard: "shortensClose",
              target: "releasing",
              reenter: true,
              actions: "shortenClose",
            },
            "txlog.settle": {
              actions: assign({
                pendingTransactions: ({ context }) => Math.max(0, context.pendingTransactions - 1),
              }),
            },
          },
        },
        /** Writing the log's last events; nothing may be appended any more. */
        flushing: {
          invoke: {
            id: "flushLog",
            src: "flushLog",
            input: ({ context }) => ({ agentId: context.agentId, resource: context.resource }),
            onDone: "#agentSession.closed",
            onError: {
              target: "#agentSession.failed",
              actions: [
                assign({ error: ({ event }) => asError(event.error) }),
                emit(({ context, event }) => ({
                  type: "session.failed" as const,
                  agentId: context.agentId,
                  phase: "closing" as const,
                  error: asError(event.error),
                })),
              ],
            },
          },
        },
      },
    },
    /** Done: everything returned, log durable. */
    closed: {
      type: "final",
      entry: emit(({ context }) => ({
        type: "session.closed" as const,
        agentId: context.agentId,
        forcedReleases: context.forcedReleases,
        pendingTransactions: context.pendingTransactions,
      })),
    },
    /** Never opened, or closed without a durable log; `context.error` says why. */
    failed: { type: "final" },
  },
});

export type AgentSessionMachine = typeof agentSessionMachine;
