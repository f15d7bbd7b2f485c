import { assign, emit, fromPromise, setup } from "xstate";
import {
  type ConnectionContext,
  type ConnectionEmitted,
  type ConnectionInput,
  type ConnectionMachineEvent,
  type ConnectionRetiring,
  ConnectionTimeoutError,
  type ConnectionValidated,
  type EffectInput,
  type RetireReason,
  type Timed,
} from "./connection.types.js";

/**
 * One pooled connection's whole life. Pure: the four effects (`open`, `ping`, `reset`, `close`) are
 * placeholders here and arrive through `.provide()` in src/core/PooledConnection.ts. It imports
 * nothing from the runtime: the events it emits are declared in connection.types.ts, and `src/events`
 * stamps them.
 *
 * Whether a ready connection is idle or leased is the pool's bookkeeping (one typed field per
 * connection, owned by its Endpoint), not a state of this machine: an acquire and a release are the
 * pool's hot path, and an XState send per lease costs 3-4x a whole tarn acquire+release (README,
 * "Where lease state lives"). Leases are still events on `events$`.
 */

export {
  type ConnectionClosed,
  type ConnectionConnectFailed,
  type ConnectionConnecting,
  type ConnectionContext,
  type ConnectionEmitted,
  type ConnectionInput,
  type ConnectionMachineEvent,
  type ConnectionOpened,
  type ConnectionReset,
  type ConnectionResetting,
  type ConnectionRetiring,
  ConnectionTimeoutError,
  type ConnectionValidated,
  type ConnectionValidating,
  type EffectInput,
  type RetireReason,
  type Timed,
} from "./connection.types.js";

const notProvided = (name: string) =>
  fromPromise<Timed, EffectInput>(async () => {
    throw new Error(`connection machine effect "${name}" was not provided`);
  });

const ref = ({ context }: { context: ConnectionContext }) => ({
  connectionId: context.connectionId,
  endpoint: context.endpoint,
});

const effectInput = ({ context }: { context: ConnectionContext }): EffectInput => ({
  connectionId: context.connectionId,
  endpoint: context.endpoint,
  resource: context.resource,
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
  guards: {
    checkPassed: ({ event }) => event.type === "connection.checked" && event.ok,
  },
  actions: {
    emitConnecting: emit((args) => ({ type: "connection.connecting" as const, ...ref(args) })),
    emitValidating: emit((args) => ({ type: "connection.validating" as const, ...ref(args) })),
    emitResetting: emit((args) => ({ type: "connection.resetting" as const, ...ref(args) })),
    emitRetiring: emit(({ context }) => {
      const reason = context.retireReason ?? "broken";
      const event: ConnectionRetiring = {
        type: "connection.retiring",
        connectionId: context.connectionId,
        endpoint: context.endpoint,
        reason,
      };
      if (reason === "broken" && context.lastError) event.error = context.lastError;
      return event;
    }),
    emitClosed: emit((args) => ({
      type: "connection.closed" as const,
      ...ref(args),
      wasOpen: args.context.opened,
    })),
    /** The outcome of an outside check, as the validation a ping effect would have emitted. */
    emitCheckResult: emit(({ context, event }) => {
      const validated: ConnectionValidated = {
        type: "connection.validated",
        connectionId: context.connectionId,
        endpoint: context.endpoint,
        ok: event.type === "connection.checked" && event.ok,
        durationMs: event.type === "connection.checked" ? event.durationMs : 0,
      };
      if (event.type === "connection.checked" && event.error) validated.error = event.error;
      return validated;
    }),
    /** A check in flight is cut short (the connection broke or is being retired): counted neither way. */
    emitValidationCancelled: emit((args) => ({
      type: "connection.validated" as const,
      ...ref(args),
      ok: false,
      cancelled: true,
      durationMs: 0,
    })),
    emitResetCancelled: emit((args) => ({
      type: "connection.reset" as const,
      ...ref(args),
      undone: args.context.undo,
      ok: false,
      cancelled: true,
    })),
    markOpened: assign({ opened: true }),
    retireBecause: assign({
      retireReason: ({ event }) => (event.type === "connection.retire" ? event.reason : "broken"),
    }),
    retireBroken: assign({ retireReason: "broken" as RetireReason }),
    /** Remembers what broke it (the transport's error, or a failed check's). */
    rememberError: assign({
      lastError: ({ event, context }) =>
        event.type === "connection.broken" || event.type === "connection.checked"
          ? (event.error ?? new Error(`connection ${context.connectionId} failed its check`))
          : context.lastError,
    }),
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
        input: effectInput,
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
        "connection.broken": { target: "retiring", actions: ["retireBroken", "rememberError"] },
        "connection.checked": [
          { guard: "checkPassed", actions: ["emitValidating", "emitCheckResult"] },
          {
            target: "retiring",
            actions: ["emitValidating", "emitCheckResult", "retireBroken", "rememberError"],
          },
        ],
      },
    },
    /** A ping with a reply deadline: a socket that says "connected" but never answers fails here. */
    validating: {
      entry: "emitValidating",
      invoke: {
        src: "ping",
        input: effectInput,
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
        "connection.retire": { target: "retiring", actions: ["retireBecause", "emitValidationCancelled"] },
        "connection.broken": {
          target: "retiring",
          actions: ["retireBroken", "rememberError", "emitValidationCancelled"],
        },
      },
    },
    /** Undoing what the last borrower changed (namespace, variables, auth). */
    resetting: {
      entry: "emitResetting",
      invoke: {
        src: "reset",
        input: ({ context }) => ({ ...effectInput({ context }), undo: context.undo }),
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
            assign({ lastError: ({ event }) => asError(event.error) }),
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
            assign({
              lastError: ({ context }) =>
                new ConnectionTimeoutError("reset", context.validationTimeoutMs, context.endpoint),
            }),
            emit(({ context }) => ({
              type: "connection.reset" as const,
              connectionId: context.connectionId,
              endpoint: context.endpoint,
              undone: context.undo,
              ok: false,
              error: context.lastError ?? new Error("reset timed out"),
            })),
          ],
        },
      },
      on: {
        "connection.retire": { target: "retiring", actions: ["retireBecause", "emitResetCancelled"] },
        "connection.broken": {
          target: "retiring",
          actions: ["retireBroken", "rememberError", "emitResetCancelled"],
        },
      },
    },
    /** Closing, bounded by `closeTimeoutMs` so a hung close cannot hold up shutdown. */
    retiring: {
      entry: "emitRetiring",
      invoke: { src: "close", input: effectInput, onDone: "closed", onError: "closed" },
      after: { closeTimeout: "closed" },
      on: { "connection.abandonClose": "closed" },
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
