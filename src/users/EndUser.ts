import type { Observable } from "rxjs";
import type { SurrealTransaction } from "surrealdb";
import type { RetryPolicy } from "../config/options.js";
import type { AcquireOptions } from "../core/acquireOptions.js";
import type { PoolEvent } from "../events/PoolEvent.js";
import type { LiveNotification } from "../live/LiveNotification.js";
import type { LiveOptions } from "../live/LiveOptions.js";
import { type ExecuteOptions, parseExecuteArguments } from "../operations/Operations.js";
import { parseQueryArguments, type QueryOptions, withinCallDeadline } from "../operations/query.js";
import { type LeaseRunner, type RunResult, runOnLease } from "../operations/runOnLease.js";
import type { PooledDb } from "../surreal/Connector.js";
import type { PooledLease } from "../surreal/lease/PooledLease.js";
import { runTransaction, type TransactionOptions } from "../transaction/runTransaction.js";
import { optionalDuration, optionalSignal, optionsObject } from "../util/arguments.js";
import { isAuthRefusal } from "./isAuthRefusal.js";
import type { ParsedIdentity } from "./UserIdentity.js";
import { EndUserLease, type UserLease } from "./UserLease.js";
import type { UserSession } from "./UserSession.js";
import type { UserSessions } from "./UserSessions.js";
import { userLive } from "./userLive.js";

/** What a user's handle needs of the manager. */
export interface UserHost {
  readonly sessions: UserSessions;
  /** The pool's acquire: a user lease's share of the pool. */
  acquire(options?: AcquireOptions): Promise<PooledLease>;
  /** Attempts with the pool's retry policy, budget and `operation.*` events (Operations.retried). */
  retried<T>(
    attempt: (note: (endpoint: string) => void) => Promise<RunResult<T>>,
    signal: AbortSignal | undefined,
  ): Promise<T>;
  /** An attempt's outcome, told to its endpoint's breaker. */
  record(endpoint: string, error: unknown): void;
  readonly acquireTimeoutMs: number;
  readonly queryTimeoutMs: number | null;
  readonly retryPolicy: RetryPolicy;
  publish(event: PoolEvent): void;
}

/**
 * What `manager.as(identity)` returns: the calls of a request handler, each run on a session
 * authenticated as that one end user and never on one another identity's call can reach. Creating a
 * handle costs nothing on the server: its first call authenticates a session (or reuses a cached one).
 */
export interface UserHandle {
  /** The identity's short hash, as in events and errors (never its token). */
  readonly user: string;
  /** A stateless query as the user (its session may serve the user's other stateless calls at once). */
  query<T extends unknown[] = unknown[]>(
    text: string,
    vars?: Record<string, unknown>,
    options?: QueryOptions,
  ): Promise<T>;
  /** A lease of a session authenticated as the user, held by this lease alone. */
  acquire(options?: { signal?: AbortSignal; timeoutMs?: number }): Promise<UserLease>;
  /** `fn` on a lease as the user, transient failures retried (as `manager.executeWithRetry`). */
  executeWithRetry<T>(fn: (db: PooledDb) => Promise<T>, options?: ExecuteOptions): Promise<T>;
  /** A transaction as the user (as `manager.transaction`: committed once, conflicts rerun). */
  transaction<T>(fn: (tx: SurrealTransaction) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** The user's live query: notifications of the rows its permissions let it see, and nothing else. */
  live<T = Record<string, unknown>>(target: string, options?: LiveOptions): Observable<LiveNotification<T>>;
}

export class EndUser implements UserHandle {
  readonly user: string;
  readonly #identity: ParsedIdentity;
  readonly #host: UserHost;
  #runs: LeaseRunner | undefined;

  constructor(identity: ParsedIdentity, host: UserHost) {
    this.#identity = identity;
    this.#host = host;
    this.user = identity.id;
  }

  /**
   * Runs `executeWithRetry`'s and `transaction`'s attempts on this user's leases. Made on first use: a
   * handle is made per request, and most only query.
   */
  get #runner(): LeaseRunner {
    const host = this.#host;
    this.#runs ??= {
      acquire: (options) => this.#lease(options),
      acquireTimeoutMs: host.acquireTimeoutMs,
      record: (endpoint, error) => host.record(endpoint, error),
    };
    return this.#runs;
  }

  query<T extends unknown[] = unknown[]>(
    text: string,
    vars?: Record<string, unknown>,
    options?: QueryOptions,
  ): Promise<T> {
    let parsed: QueryOptions;
    try {
      parsed = parseQueryArguments(text, vars, options);
    } catch (error) {
      return Promise.reject(error);
    }
    const timeoutMs = parsed.timeoutMs ?? this.#host.queryTimeoutMs ?? undefined;
    return this.#host.retried(
      (note) => this.#queryOnce<T>(text, vars, parsed.signal, timeoutMs, note),
      parsed.signal,
    );
  }

  async #queryOnce<T>(
    text: string,
    vars: Record<string, unknown> | undefined,
    signal: AbortSignal | undefined,
    timeoutMs: number | undefined,
    note: (endpoint: string) => void,
  ): Promise<RunResult<T>> {
    const sessions = this.#host.sessions;
    const taking = sessions.take(this.#identity, false);
    const session = taking instanceof Promise ? await taking : taking;
    const endpoint = session.endpoint;
    note(endpoint);
    const began = performance.now();
    try {
      const call = session.db.query(text, vars) as unknown as Promise<T>;
      const value = await withinCallDeadline(call, timeoutMs, endpoint, signal);
      this.#host.record(endpoint, undefined);
      return { value, endpoint, durationMs: performance.now() - began };
    } catch (error) {
      throw this.#failed(session, error);
    } finally {
      sessions.done(session);
    }
  }

  /** A call on `session` failed: a refused sign-in ends the identity's sessions and fails typed. */
  #failed(session: UserSession, error: unknown): unknown {
    this.#host.record(session.endpoint, error);
    if (isAuthRefusal(error)) return this.#host.sessions.refused(session, error);
    return error;
  }

  acquire(options?: { signal?: AbortSignal; timeoutMs?: number }): Promise<UserLease> {
    let signal: AbortSignal | undefined;
    let timeoutMs: number | undefined;
    try {
      const o = optionsObject<{ signal: AbortSignal; timeoutMs: number }>(
        "as(identity).acquire(options)",
        options,
      );
      signal = optionalSignal("as(identity).acquire(options).signal", o.signal);
      timeoutMs = optionalDuration("as(identity).acquire(options).timeoutMs", o.timeoutMs);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#lease(signal === undefined && timeoutMs === undefined ? undefined : { signal, timeoutMs });
  }

  async #lease(options: AcquireOptions | undefined): Promise<EndUserLease> {
    // An expired token fails before it waits for anything.
    const expired = this.#host.sessions.expired(this.#identity);
    if (expired) throw expired;
    // The pool's share first (it bounds the user leases out at once and queues them fairly), then the
    // user's own session: a session is never held by a call still waiting for the pool.
    const pooled = await (options ? this.#host.acquire(options) : this.#host.acquire());
    let session: UserSession;
    try {
      const taking = this.#host.sessions.take(this.#identity, true);
      session = taking instanceof Promise ? await taking : taking;
    } catch (error) {
      await pooled.release().catch(() => {});
      throw error;
    }
    const sessions = this.#host.sessions;
    return new EndUserLease(pooled, session, {
      give: (s, tainted, changed) => sessions.give(s, tainted, changed),
      refused: (s, error) => sessions.refused(s, error),
    });
  }

  executeWithRetry<T>(fn: (db: PooledDb) => Promise<T>, options?: ExecuteOptions): Promise<T> {
    let signal: AbortSignal | undefined;
    let timeoutMs: number | undefined;
    try {
      ({ signal, timeoutMs } = parseExecuteArguments("as(identity).executeWithRetry", fn, options));
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#host.retried((note) => {
      let lease: EndUserLease | undefined;
      // The server refusing the user's sign-in mid-call ends the identity's sessions, and fails typed.
      const guarded = async (db: PooledDb) => {
        try {
          return await fn(db);
        } catch (error) {
          throw lease && isAuthRefusal(error) ? lease.refused(error) : error;
        }
      };
      return runOnLease(this.#runner, guarded, {
        signal,
        timeoutMs,
        onLease: (leased) => {
          lease = leased as EndUserLease;
          note(leased.endpoint);
        },
      });
    }, signal);
  }

  transaction<T>(fn: (tx: SurrealTransaction) => Promise<T>, options?: TransactionOptions): Promise<T> {
    return runTransaction(
      { runner: this.#runner, publish: (e) => this.#host.publish(e), retryPolicy: this.#host.retryPolicy },
      fn,
      options,
    );
  }

  live<T = Record<string, unknown>>(target: string, options?: LiveOptions): Observable<LiveNotification<T>> {
    return userLive<T>(this.#host.sessions, this.#identity, target, options);
  }
}
