import type { CircuitBreakerEmitted } from "../../machines/circuitBreaker.machine.js";
import type * as Connection from "../../machines/connection.machine.js";
import type { LeaseSessionEvent } from "./LeaseSessionEvent.js";
import type { LiveEvent } from "./LiveEvent.js";
import type { SessionEvent } from "./SessionEvent.js";
import type { SocketEvent } from "./SocketEvent.js";
import type { Stamped } from "./Stamped.js";
import type { SyncEvent } from "./SyncEvent.js";
import type { UserEvent } from "./UserEvent.js";

/**
 * Every event the pool publishes on `events$`. A discriminated union on `type`; every member carries
 * `ts` (epoch milliseconds). Metrics, health supervision, the transaction log and logging are all
 * derived from this stream, so an event must carry everything a fold over it needs. The machines'
 * events are declared by the machines (machines/*.machine.ts) and only stamped here, so a field is
 * written once.
 */

export type { BreakerState } from "../../machines/circuitBreaker.machine.js";
export type { RetireReason } from "../../machines/connection.machine.js";
export type * from "./LeaseSessionEvent.js";
export type { EndpointPooling, SocketClosed, SocketEvent, SocketOpened } from "./SocketEvent.js";
export type * from "./UserEvent.js";

interface Base {
  /** Epoch milliseconds when the event happened. */
  ts: number;
}

interface ConnectionRef extends Base {
  connectionId: string;
  endpoint: string;
}

// --- connection machine transitions (declared by the machine, stamped here) ------------------------
export type ConnectionConnecting = Stamped<Connection.ConnectionConnecting>;
/** A ping started (health check or validate-before-lease). */
export type ConnectionValidating = Stamped<Connection.ConnectionValidating>;
/** A reset of what the last borrower changed started. */
export type ConnectionResetting = Stamped<Connection.ConnectionResetting>;
export type ConnectionOpened = Stamped<Connection.ConnectionOpened>;
export type ConnectionConnectFailed = Stamped<Connection.ConnectionConnectFailed>;
export type ConnectionValidated = Stamped<Connection.ConnectionValidated>;
export type ConnectionReset = Stamped<Connection.ConnectionReset>;
export type ConnectionRetiring = Stamped<Connection.ConnectionRetiring>;
export type ConnectionClosed = Stamped<Connection.ConnectionClosed>;

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
  /**
   * Set when the pool ended the lease, not the borrower: "shutdown" when shutdown took it back after its
   * drain timeout, "broken" when its connection broke while leased. Its handle then refuses every call.
   */
  revoked?: "shutdown" | "broken";
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

// --- circuit breaker (one per endpoint; declared by its machine) -----------------------------------
export type BreakerTransition = Stamped<CircuitBreakerEmitted>;

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
  | SocketEvent
  | SyncEvent
  | LeaseSessionEvent
  | LiveEvent
  | UserEvent;

export type PoolEventType = PoolEvent["type"];
export type PoolEventOf<T extends PoolEventType> = Extract<PoolEvent, { type: T }>;
