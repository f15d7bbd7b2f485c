/**
 * Events of what happens on a lease's session over time: transactions (`manager.transaction()`, and
 * ones a borrower left open), calls past their deadline, and re-authentication.
 */

interface Base {
  /** Epoch milliseconds when the event happened. */
  ts: number;
}

/** `manager.transaction()` began a transaction (one per attempt). */
export interface TransactionBegan extends Base {
  type: "transaction.began";
  endpoint: string;
  /** 1 for the first attempt. */
  attempt: number;
}

/** `manager.transaction()` committed: `fn` resolved and the commit was accepted. */
export interface TransactionCommitted extends Base {
  type: "transaction.committed";
  endpoint: string;
  /** Attempts it took, this one included. */
  attempts: number;
  /** From the first attempt's start, ms. */
  durationMs: number;
}

/**
 * Why a transaction was cancelled (or ended without commit):
 * - `threw`: `fn` threw (or a query in it failed);
 * - `timeout`: the attempt ran past `timeoutMs`;
 * - `aborted`: the caller's signal fired;
 * - `conflict`: the commit lost a write race (the server already dropped it; retried when allowed);
 * - `failed`: the connection failed under it (dropped), or its commit's outcome is unknown (`error` is
 *   then a `CommitOutcomeUnknownError`);
 * - `cancelled`: `fn` cancelled it itself (the call resolves with `fn`'s value);
 * - `abandoned`: a lease was released with a transaction still open; the pool cancelled it.
 */
export type TransactionCancelReason =
  | "threw"
  | "timeout"
  | "aborted"
  | "conflict"
  | "failed"
  | "cancelled"
  | "abandoned";

export interface TransactionCancelled extends Base {
  type: "transaction.cancelled";
  endpoint: string;
  reason: TransactionCancelReason;
  /** What made it end (absent for `abandoned` when every cancel succeeded). */
  error?: Error;
  /** `abandoned` only: the lease's connection, and how many transactions it left open. */
  connectionId?: string;
  count?: number;
}

/** `manager.transaction()` runs `fn` again after a transient failure (a conflict, a dropped connection). */
export interface TransactionRetried extends Base {
  type: "transaction.retried";
  endpoint: string;
  /** The attempt that failed. */
  attempt: number;
  delayMs: number;
  error: Error;
}

/** A call through a lease ran past its deadline (`queryTimeoutMs`); its connection is discarded at release. */
export interface LeaseCallTimedOut extends Base {
  type: "lease.callTimedOut";
  connectionId: string;
  endpoint: string;
  /** The SDK method of the call, e.g. "query", "select", "commit". */
  method: string;
  timeoutMs: number;
  /** How long the lease had been held. */
  heldMs: number;
}

export type TransactionEvent =
  | TransactionBegan
  | TransactionCommitted
  | TransactionCancelled
  | TransactionRetried;

/**
 * The pool signed a connection in again: `expiring` before handing it out (its token was near `exp`,
 * its session near the learned lifetime, or the SDK had dropped its auth), `refused` after the server
 * refused a call as expired (the call then ran once more, transparently).
 */
export interface AuthRenewed extends Base {
  type: "auth.renewed";
  /** The connection; for the default session of a shared socket (`manager.query()`), the socket's id. */
  connectionId: string;
  endpoint: string;
  reason: "expiring" | "refused";
  durationMs: number;
}

/** Re-signing a connection in failed (e.g. the user was removed): the connection is discarded. */
export interface AuthFailed extends Base {
  type: "auth.failed";
  connectionId: string;
  endpoint: string;
  reason: "expiring" | "refused";
  error: Error;
}

export type AuthEvent = AuthRenewed | AuthFailed;
export type LeaseSessionEvent = TransactionEvent | LeaseCallTimedOut | AuthEvent;
