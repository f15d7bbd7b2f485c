import type { PooledDb } from "../Connector.js";

/**
 * A borrowed connection. Return it with `await using` (TypeScript) or `release()` in a `finally`
 * (JavaScript); releasing twice is harmless. `db` is a revocable handle: once the lease ends, every
 * use of it, through any reference kept, throws `LeaseReleasedError`, and calls still running then
 * are rejected, so nothing reaches the connection's next borrower. Nothing else on a lease reaches
 * the connection: the rest are facts about it.
 */
export interface Lease extends AsyncDisposable {
  /** The SurrealDB SDK session to query with (`lease.db.query(...)`), as a revocable handle. */
  readonly db: PooledDb;
  /** The pooled connection's id (as in events and `healthStatus()`). */
  readonly connectionId: string;
  /** The endpoint URL the connection is open to. */
  readonly endpoint: string;
  /** `performance.now()` when the lease was handed out. */
  readonly acquiredAt: number;
  /** Deadline of each call through `db`, ms; undefined: none. */
  readonly queryTimeoutMs: number | undefined;
  /** True once the lease ended (released, discarded, or taken back by shutdown or a broken socket). */
  readonly released: boolean;
  /** Calls through `db` still running. */
  readonly callsInFlight: number;
  /** Transactions begun through `db` and not yet committed or cancelled (cancelled at release). */
  readonly openTransactions: number;
  /** True when a call ran past `queryTimeoutMs` (the connection is then discarded at release). */
  readonly timedOut: boolean;
  /** Returns the connection to the pool (what the borrower changed on its session is undone first). */
  release(): Promise<void>;
  /** Gives the connection up instead of returning it (use when you know it is broken). */
  discard(): Promise<void>;
}
