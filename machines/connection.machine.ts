import { assign, emit, fromPromise, setup } from "xstate";
import type { RetireReason } from "../src/events/PoolEvent.js";

/**
 * One pooled connection's whole life. Pure: the four effects (`open`, `ping`, `reset`, `close`) are
 * placeholders here and arrive through `.provide()` in src/connection/PooledConnection.ts.
 *
 * Whether a ready connection is idle or leased is pool bookkeeping, not a state of this machine: an
 * acquire and a release are the pool's hot path, and an XState send per lease costs 3-4x a whole
 * tarn acquire+release (README, "Where lease state lives"). Leases are still events on `events$`.
 */

export interface ConnectionInput {
  connectionId: string;
  endpoint: string;
  /** Deadline of one connect (FACTS: a connect to a dead ws:// endpoint never settles on its own). */
  connectTimeoutMs: number;
  /** Deadline of one ping or reset. */
  validationTimeoutMs: number;
  /** Deadline of one close; after it the connection counts as closed anyway. */
  closeTimeoutMs: number;
}

export interface ConnectionContext extends ConnectionInput {
  /** True once the connection reached `ready`: closing it then shrinks the pool. */
  opened: boolean;
  retireReason: RetireReason | null;
  /** What the last borrower changed, handed to the `reset` effect. */
  undo: string[];
  lastError: Error | null;
}

export type ConnectionMachineEvent =
  | { type: "connection.validate" }
  | { type: "connection.reset"; undo: string[] }
  | { type: "connection.retire"; reason: RetireReason };

/** Outbound events (`actor.on(...)`); the runtime stamps them with `ts` and publishes them on `events$`. */
export type ConnectionEmitted =
  | { type: "connection.connecting"; connectionId: string; endpoint: string }
  | { type: "connection.validating"; connectionId: string; endpoint: string }
  | { type: "connection.resetting"; connectionId: string; endpoint: string }
  | { type: "connection.opened"; connectionId: string; endpoint: string; durationMs: number }
  | {
      type: "connection.connectFailed";
      connectionId: string;
      endpoint: string;
      error: Error;
      durationMs: number;
    }
  | {
      type: "connection.validated";
      connectionId: string;
      endpoint: string;
      ok: boolean;
      /** The check was cut short because the connection is being retired. */
      cancelled?: boolean;
      durationMs: number;
      error?: Error;
    }
  | {
      type: "connection.reset";
      connectionId: string;
      endpoint: string;
      undone: string[];
      ok: boolean;
      cancelled?: boolean;
      error?: Error;
    }
  | { type: "connection.retiring"; connectionId: string; endpoint: string; reason: RetireReason }
  | { type: "connection.closed"; connectionId: string; endpoint: string; wasOpen: boolean };

/** Output of the timed effects: how long they took, measured by the implementation. */
export interface Timed {
  durationMs: number;
}

export class ConnectionTimeoutError extends Error {
  constructor(what: string, ms: number, endpoint: string) {
    super(`${what} to ${endpoint} did not finish within ${ms} ms`);
    this.name = "ConnectionTimeoutError";
  }
}

/** What each effect receives. `undo` is set for `reset` only. */
export interface EffectInput {
  connectionId: string;
  endpoint: string;
  undo?: string[];
}

const notProvided = (name: string) =>
  fromPromise<Timed, EffectInput>(async () => {
    throw new Error(`connection machine effect "${name}" was not provided`);
  });

const ref = ({ context }: { context: ConnectionContext }) => ({
  connectionId: context.connectionId,
  endpoint: context.endpoint,
});

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

export const connectionMachine = setup({
  types: {
    context: {} as ConnectionContext,
    input: {} as ConnectionInput,
    events: {} as ConnectionMachineEvent,
    emitted: {} as ConnectionEmitted,
  },
  actors: {
    open: notProvided("open"),
    ping: notProvided("ping"),
    reset: notProvided("reset"),
    close: notProvided("close"),
  },
  delays: {
    connectTimeout: ({ context }) => context.connectTimeoutMs,
    validationTimeout: ({ context }) => context.validationTimeoutMs,
    closeTimeout: ({ context }) => context.closeTimeoutMs,
  },
  actions: {
    emitConnecting: emit((args) => ({ type: "connection.connecting" as const, ...ref(args) })),
    emitValidating: emit((args) => ({ type: "connection.validating" as const, ...ref(args) })),
    emitResetting: emit((args) => ({ type: "connection.resetting" as const, ...ref(args) })),
    emitRetiring: emit((args) => ({
      type: "connection.retiring" as const,
      ...ref(args),
      reason: args.context.retireReason ?? "broken",
    })),
    emitClosed: emit((args) => ({
      type: "connection.closed" as const,
      ...ref(args),
      wasOpen: args.context.opened,
    })),
    markOpened: assign({ opened: true }),
    retireBecause: assign({
      retireReason: ({ event }) => (event.type === "connection.retire" ? event.reason : "broken"),
    }),
    retireBroken: assign({ retireReason: "broken" as RetireReason }),
  },
}).createMachine({
  id: "connection",
  initial: "connecting",
  context: ({ input }) => ({ ...input, opened: false, retireReason: null, undo: [], lastError: null }),
  states: {
    /** Opening a socket or an engine session, bounded by `connectTimeoutMs`. */
    connecting: {
      entry: "emitConnecting",
      invoke: {
        src: "open",
        input: ({ context }) => ({ connectionId: context.connectionId, endpoint: context.endpoint }),
        onDone: {
          target: "ready",
          actions: [
            "markOpened",
            emit(({ context, event }) => ({
              type: "connection.opened" as const,
              connectionId: context.connectionId,
              endpoint: context.endpoint,
              durationMs: event.output.durationMs,
            })),
          ],
        },
        onError: {
          target: "failed",
          actions: [
            assign({ lastError: ({ event }) => asError(event.error) }),
            emit(({ context, event }) => ({
              type: "connection.connectFailed" as const,
              connectionId: context.connectionId,
              endpoint: context.endpoint,
              error: asError(event.error),
              durationMs: (event.error as { durationMs?: number })?.durationMs ?? 0,
            })),
          ],
        },
      },
      after: {
        connectTimeout: {
          target: "failed",
          actions: [
            assign({
              lastError: ({ context }) =>
                new ConnectionTimeoutError("connect", context.connectTimeoutMs, context.endpoint),
            }),
            emit(({ context }) => ({
              type: "connection.connectFailed" as const,
              connectionId: context.connectionId,
              endpoint: context.endpoint,
              error: context.lastError ?? new Error("connect timed out"),
              durationMs: context.connectTimeoutMs,
            })),
          ],
        },
      },
      on: { "connection.retire": { target: "closed", actions: "retireBecause" } },
    },
    /** Open and usable: the pool leases it (idle/leased is pool bookkeeping) or sends it for a check. */
    ready: {
      on: {
        "connection.validate": "validating",
        "connection.reset": { target: "resetting", actions: assign({ undo: ({ event }) => event.undo }) },
        "connection.retire": { target: "retiring", actions: "retireBecause" },
      },
    },
    /** A ping with a reply deadline: a socket that says "connected" but never answers fails here. */
    validating: {
      entry: "emitValidating",
      invoke: {
        src: "ping",
        input: ({ context }) => ({ connectionId: context.connectionId, endpoint: context.endpoint }),
        onDone: {
          target: "ready",
          actions: emit(({ context, event }) => ({
            type: "connection.validated" as const,
            connectionId: context.connectionId,
            endpoint: context.endpoint,
            ok: true,
            durationMs: event.output.durationMs,
          })),
        },
        onError: {
          target: "retiring",
          actions: [
            "retireBroken",
            assign({ lastError: ({ event }) => asError(event.error) }),
            emit(({ context, event }) => ({
              type: "connection.validated" as const,
              connectionId: context.connectionId,
              endpoint: context.endpoint,
              ok: false,
              durationMs: 0,
              error: asError(event.error),
            })),
          ],
        },
      },
      after: {
        validationTimeout: {
          target: "retiring",
          actions: [
            "retireBroken",
            assign({
              lastError: ({ context }) =>
                new ConnectionTimeoutError("ping", context.validationTimeoutMs, context.endpoint),
            }),
            emit(({ context }) => ({
              type: "connection.validated" as const,
              connectionId: context.connectionId,
              endpoint: context.endpoint,
              ok: false,
              durationMs: context.validationTimeoutMs,
              error: context.lastError ?? new Error("ping timed out"),
            })),
          ],
        },
      },
      on: {
        "connection.retire": {
          target: "retiring",
          actions: [
            "retireBecause",
            emit(({ context }) => ({
              type: "connection.validated" as const,
              connectionId: context.connectionId,
              endpoint: context.endpoint,
              ok: false,
              cancelled: true,
              durationMs: 0,
            })),
          ],
        },
      },
    },
    /** Undoing what the last borrower changed (namespace, variables, auth, open transactions). */
    resetting: {
      entry: "emitResetting",
      invoke: {
        src: "reset",
        input: ({ context }) => ({
          connectionId: context.connectionId,
          endpoint: context.endpoint,
          undo: context.undo,
        }),
        onDone: {
          target: "ready",
          actions: emit(({ context }) => ({
            type: "connection.reset" as const,
            connectionId: context.connectionId,
            endpoint: context.endpoint,
            undone: context.undo,
            ok: true,
          })),
        },
        onError: {
          target: "retiring",
          actions: [
            "retireBroken",
            emit(({ context, event }) => ({
              type: "connection.reset" as const,
              connectionId: context.connectionId,
              endpoint: context.endpoint,
              undone: context.undo,
              ok: false,
              error: asError(event.error),
            })),
          ],
        },
      },
      after: {
        validationTimeout: {
          target: "retiring",
          actions: [
            "retireBroken",
            emit(({ context }) => ({
              type: "connection.reset" as const,
              connectionId: context.connectionId,
              endpoint: context.endpoint,
              undone: context.undo,
              ok: false,
              error: new ConnectionTimeoutError("reset", context.validationTimeoutMs, context.endpoint),
            })),
          ],
        },
      },
      on: {
        "connection.retire": {
          target: "retiring",
          actions: [
            "retireBecause",
            emit(({ context }) => ({
              type: "connection.reset" as const,
              connectionId: context.connectionId,
              endpoint: context.endpoint,
              undone: context.undo,
              ok: false,
              cancelled: true,
            })),
          ],
        },
      },
    },
    /** Closing, bounded by `closeTimeoutMs` so a hung close cannot hold up shutdown. */
    retiring: {
      entry: "emitRetiring",
      invoke: { src: "close", input: ref, onDone: "closed", onError: "closed" },
      after: { closeTimeout: "closed" },
    },
    closed: { type: "final", entry: "emitClosed" },
    /** The connect failed or timed out; it never joined the pool. */
    failed: { type: "final" },
  },
});

export type ConnectionMachine = typeof connectionMachine;
export type ConnectionStateValue =
  | "connecting"
  | "ready"
  | "validating"
  | "resetting"
  | "retiring"
  | "closed"
  | "failed";
