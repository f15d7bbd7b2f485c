import type { PoolEvent } from "../../events/PoolEvent.js";
import type { AbandonedOutcome } from "./OpenTransactions.js";

/**
 * The events a lease's life produces, built in one place: the lease reports what happened on it, the
 * pool publishes. `lease` is anything with the lease's connection id, endpoint and start.
 */
interface LeaseFacts {
  readonly connectionId: string;
  readonly endpoint: string;
  /** performance.now() when handed out. */
  readonly acquiredAt: number;
}

/** A call through the lease ran past its deadline (`method`: the SDK method, e.g. "query"). */
export function callTimedOut(lease: LeaseFacts, method: string, timeoutMs: number): PoolEvent {
  return {
    type: "lease.callTimedOut",
    ts: Date.now(),
    connectionId: lease.connectionId,
    endpoint: lease.endpoint,
    method,
    timeoutMs,
    heldMs: performance.now() - lease.acquiredAt,
  };
}

/** The borrower left transactions open; the lease cancelled them (or failed to) before releasing. */
export function transactionsAbandoned(lease: LeaseFacts, outcome: AbandonedOutcome): PoolEvent {
  return {
    type: "transaction.cancelled",
    ts: Date.now(),
    endpoint: lease.endpoint,
    reason: "abandoned",
    connectionId: lease.connectionId,
    count: outcome.count,
    ...(outcome.error ? { error: outcome.error } : {}),
  };
}

/** The borrower's live queries (`count` of them) were killed at release (src/surreal/lease/leaseLive.ts). */
export function leaseLiveKilled(lease: LeaseFacts, count: number): PoolEvent {
  return {
    type: "live.killed",
    ts: Date.now(),
    subscriptionId: `lease:${lease.connectionId}`,
    reason: "lease",
    subscribed: false,
    connectionId: lease.connectionId,
    count,
  };
}
