import type { SessionEvent } from "../session/SessionEvent.js";
import type { SyncEvent } from "../sync/SyncEvent.js";

/**
 * Every event the pool publishes on `events$`. A discriminated union on `type`; every member carries
 * `ts` (epoch milliseconds). Metrics, health supervision, the transaction log and logging are all
 * derived from this stream, so an event must carry everything a fold over it needs.
 */

/** Why a connection leaves the pool. */
export type RetireReason =
  | "idle" // idle longer than idleTimeoutMs while the pool was above minConnections
  | "lifetime" // older than its (jittered) maxLifetimeMs
  | "maxUses" // leased maxUses times
  | "broken" // failed validation, reset or a query reported the socket dead
  | "rebalance" // moved back to a preferred endpoint
  | "shutdown"; // the pool is shutting down

interface Base {
  /** Epoch milliseconds when the event happened. */
  ts: number;
}

interface ConnectionRef extends Base {
  connectionId: string;
  endpoint: string;
}

// --- connection machine transitions ------------------------------------------------------------
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
  undone: string[];
  ok: boolean;
  /** The reset was cut short because the connection is being retired. */
  cancelled?: boolean;
  error?: Error;
}
export interface ConnectionRetiring extends ConnectionRef {
  type: "connection.retiring";
  reason: RetireReason;
}
export interface ConnectionClosed extends ConnectionRef {
  type: "connection.closed";
  /** True when the connection had opened (counted in the pool's size) before it closed. */
  wasOpen: boolean;
}

// --- leases (pool bookkeeping, not machine transitions: see README "Where lease state lives") ----
export interface AcquireQueued extends Base {
  type: "acquire.queued";
  requestId: number;
  /** Waiters in the queue including this one. */
  waiting: number;
}
export interface LeaseAcquired extends ConnectionRef {
  type: "lease.acquired";
  requestId: number;
  /** True when this connection had been leased before (the seed's "reused"). */
  reused: boolean;
  /** True when the request waited in the queue. */
  queued: boolean;
  waitMs: number;
}
export interface LeaseReleased extends ConnectionRef {
  type: "lease.released";
  heldMs: number;
  /** True when shutdown took the lease back after its drain timeout (the borrower never released it). */
  revoked?: boolean;
}
export interface AcquireFailed extends Base {
  type: "acquire.failed";
  requestId: number;
  reason: "timeout" | "aborted" | "saturated" | "closed" | "unavailable";
  queued: boolean;
  waitMs: number;
  error: Error;
}
export interface LeaseLeaked extends ConnectionRef {
  type: "lease.leaked";
  heldMs: number;
  /** Stack of the acquire call, when leak detection captured it. */
  acquiredAt?: string;
}

// --- operations through executeWithRetry -----------------------------------------------------------
export interface OperationSucceeded extends Base {
  type: "operation.succeeded";
  attempts: number;
  durationMs: number;
  endpoint?: string;
}
export interface OperationRetried extends Base {
  type: "operation.retried";
  attempt: number;
  delayMs: number;
  error: Error;
  endpoint?: string;
}
/** A hedged read started its second attempt because the first was slow (or failed transiently). */
export interface OperationHedged extends Base {
  type: "operation.hedged";
  /** How long the first attempt had been running. */
  delayMs: number;
  /** The endpoint of the first attempt, which the hedge avoids. */
  endpoint?: string;
}
export interface OperationFailed extends Base {
  type: "operation.failed";
  attempts: number;
  durationMs: number;
  error: Error;
  endpoint?: string;
}

// --- circuit breaker (one per endpoint) --------------------------------------------------------------
export type BreakerState = "closed" | "open" | "halfOpen";
export interface BreakerTransition extends Base {
  type: "breaker.transition";
  endpoint: string;
  from: BreakerState;
  to: BreakerState;
  /** Consecutive failures counted when the transition happened. */
  failures: number;
}

// --- pool lifecycle ---------------------------------------------------------------------------------
export interface PoolStarted extends Base {
  type: "pool.started";
  mode: "local" | "remote" | "hybrid";
  endpoints: string[];
  minConnections: number;
  maxConnections: number;
}
export interface PoolShutdown extends Base {
  type: "pool.shutdown";
  phase: "draining" | "closed";
  /** Leases still held when the drain timeout ran out (only on phase "closed"). */
  abandoned: number;
}

export type ConnectionEvent =
  | ConnectionConnecting
  | ConnectionOpened
  | ConnectionConnectFailed
  | ConnectionValidating
  | ConnectionValidated
  | ConnectionResetting
  | ConnectionReset
  | ConnectionRetiring
  | ConnectionClosed;
export type LeaseEvent = AcquireQueued | LeaseAcquired | LeaseReleased | AcquireFailed | LeaseLeaked;
export type OperationEvent = OperationSucceeded | OperationRetried | OperationHedged | OperationFailed;

export type PoolEvent =
  | ConnectionEvent
  | LeaseEvent
  | OperationEvent
  | BreakerTransition
  | PoolStarted
  | PoolShutdown
  | SessionEvent
  | SyncEvent;

export type PoolEventType = PoolEvent["type"];
export type PoolEventOf<T extends PoolEventType> = Extract<PoolEvent, { type: T }>;
