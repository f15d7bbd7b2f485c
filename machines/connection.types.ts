// The connection machine's input, context, events and effect types (the machine is connection.machine.ts).

/** Why a connection leaves the pool. */
export type RetireReason =
  | "idle" // idle longer than idleTimeoutMs while the pool was above minConnections
  | "lifetime" // older than its (jittered) maxLifetimeMs
  | "maxUses" // leased maxUses times
  | "broken" // the transport dropped, or a ping, reset or call showed it unusable
  | "rebalance" // moved back to a preferred endpoint
  | "shutdown"; // the pool is shutting down

export interface ConnectionInput {
  connectionId: string;
  endpoint: string;
  /** Deadline of one connect (FACTS: a connect to a dead ws:// endpoint never settles on its own). */
  connectTimeoutMs: number;
  /** Deadline of one ping or reset. */
  validationTimeoutMs: number;
  /** Deadline of one close; after it the connection counts as closed anyway. */
  closeTimeoutMs: number;
  /**
   * What the runtime's effects act on, passed through untouched to every effect's input. Lets one
   * provided machine definition serve every connection (a `.provide()` per connection costs ~20 KB).
   */
  resource?: unknown;
}

export interface ConnectionContext extends ConnectionInput {
  /** True once the connection reached `ready`: closing it then shrinks the pool. */
  opened: boolean;
  retireReason: RetireReason | null;
  /** What the last borrower changed, handed to the `reset` effect. */
  undo: readonly string[];
  lastError: Error | null;
}

export type ConnectionMachineEvent =
  | { type: "connection.validate" }
  | { type: "connection.reset"; undo: readonly string[] }
  | { type: "connection.retire"; reason: RetireReason }
  /** The transport reported the connection dead (socket closed): retire it now. */
  | { type: "connection.broken"; error: Error }
  /**
   * The outcome of a check made outside this machine (one engine ping shared by every session of an
   * embedded engine): counted as a validation, without a ping effect of its own.
   */
  | { type: "connection.checked"; ok: boolean; durationMs: number; error?: Error }
  /** Stop waiting for a close still running (the pool's shutdown deadline passed): closed now. */
  | { type: "connection.abandonClose" };

interface ConnectionRef {
  connectionId: string;
  endpoint: string;
}
export interface ConnectionConnecting extends ConnectionRef {
  type: "connection.connecting";
}
/** A ping started (health check or validate-before-lease). */
export interface ConnectionValidating extends ConnectionRef {
  type: "connection.validating";
}
/** A reset of what the last borrower changed started. */
export interface ConnectionResetting extends ConnectionRef {
  type: "connection.resetting";
}
export interface ConnectionOpened extends ConnectionRef {
  type: "connection.opened";
  durationMs: number;
}
export interface ConnectionConnectFailed extends ConnectionRef {
  type: "connection.connectFailed";
  error: Error;
  durationMs: number;
}
export interface ConnectionValidated extends ConnectionRef {
  type: "connection.validated";
  ok: boolean;
  /** The check was cut short because the connection is being retired (counted neither way). */
  cancelled?: boolean;
  durationMs: number;
  error?: Error;
}
export interface ConnectionReset extends ConnectionRef {
  type: "connection.reset";
  /** What the previous borrower changed and the reset undid (e.g. "use", "vars", "auth"). */
  undone: readonly string[];
  ok: boolean;
  /** The reset was cut short because the connection is being retired. */
  cancelled?: boolean;
  error?: Error;
}
export interface ConnectionRetiring extends ConnectionRef {
  type: "connection.retiring";
  reason: RetireReason;
  /** What made it unusable, when `reason` is "broken". */
  error?: Error;
}
export interface ConnectionClosed extends ConnectionRef {
  type: "connection.closed";
  /** True when the connection had opened (counted in the pool's size) before it closed. */
  wasOpen: boolean;
}

/** Outbound events (`actor.on(...)`); the runtime stamps them with `ts` and publishes them on `events$`. */
export type ConnectionEmitted =
  | ConnectionConnecting
  | ConnectionValidating
  | ConnectionResetting
  | ConnectionOpened
  | ConnectionConnectFailed
  | ConnectionValidated
  | ConnectionReset
  | ConnectionRetiring
  | ConnectionClosed;

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
  resource: unknown;
  undo?: readonly string[];
}
