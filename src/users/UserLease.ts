import type { SurrealSession } from "surrealdb";
import type { PoolLease } from "../session/SessionPool.js";
import type { UserSession } from "./UserSession.js";

/** The pool's lease as a user lease holds it: `endBroken` ends it when the user's session drops. */
type HeldPoolLease = PoolLease & { endBroken?(cause?: Error): Promise<void> };

/**
 * A lease of one end user's session (`manager.as(identity).acquire()`): `db` is a session authenticated
 * as that user and held by this lease alone, revocable like a pool lease's (after `release()` every call
 * through a kept reference throws `LeaseReleasedError`). Idempotent release; `await using` works.
 */
export interface UserLease extends AsyncDisposable {
  /** The user's SurrealDB session; read after the lease ended, it throws `LeaseReleasedError`. */
  readonly db: SurrealSession;
  /** The identity's short hash (as in events): never its token. */
  readonly user: string;
  /** The endpoint URL the session is open to. */
  readonly endpoint: string;
  /** Epoch ms when it was handed out. */
  readonly acquiredAt: number;
  readonly released: boolean;
  /** Gives the session back to the user's cache (what the lease changed is undone); harmless twice. */
  release(): Promise<void>;
}

/**
 * The lease behind `UserLease`: the pool's lease is the user's share of the pool (one of
 * `pool.maxConnections` at once, with its deadlines, dirty bits and the clean-up of what a borrower left
 * open), and the user's session sits behind that lease's guard, so its calls end with the lease.
 */
export class EndUserLease implements UserLease {
  readonly user: string;
  readonly endpoint: string;
  readonly acquiredAt = Date.now();
  readonly #pooled: HeldPoolLease;
  readonly #session: UserSession;
  readonly #db: SurrealSession;
  readonly #cache: LeaseCache;
  #released: Promise<void> | undefined;

  constructor(pooled: HeldPoolLease, session: UserSession, cache: LeaseCache) {
    this.#pooled = pooled;
    this.#session = session;
    this.#cache = cache;
    this.user = session.user;
    this.endpoint = session.endpoint;
    const db = session.forLease;
    this.#db = pooled.guard ? pooled.guard(db) : db;
    session.hold(this);
  }

  get db(): SurrealSession {
    // Read through the pool lease: a released lease refuses (LeaseReleasedError) before `#db` is reached.
    void this.#pooled.db;
    return this.#db;
  }

  get released(): boolean {
    return this.#released !== undefined;
  }

  release(): Promise<void> {
    this.#released ??= this.#end(false);
    return this.#released;
  }

  /** The session failed at connection level (or a deadline passed): it is closed, not handed on. */
  discard(): Promise<void> {
    this.#released ??= this.#end(true);
    return this.#released;
  }

  /**
   * @internal Its session's transport dropped: the calls still running on it are cut off, failing as
   * "broken" (transient, so `executeWithRetry` runs them again on a new session).
   */
  cutOff(): Promise<void> {
    this.#released ??= this.#end(true, this.#pooled.endBroken?.());
    return this.#released;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.release();
  }

  async #end(failed: boolean, ending?: Promise<void>): Promise<void> {
    const pooled = this.#pooled;
    // Calls of the lease still running on its session (cut off by this release, or past their deadline):
    // the session is closed rather than handed to the user's next call.
    let tainted = failed || (pooled.callsInFlight ?? 0) > 0 || pooled.timedOut === true;
    const changed = pooled.sessionChanged ?? true;
    try {
      // First the pool's lease ends what the borrower left open on the session (live queries,
      // transactions), then the session is settled.
      await (ending ?? pooled.release());
    } catch (error) {
      tainted = true;
      throw error;
    } finally {
      await this.#cache.give(this.#session, tainted, changed);
    }
  }

  /** @internal The server refused the user's sign-in during a call of this lease (see UserSessions.refused). */
  refused(error: unknown): Error {
    return this.#cache.refused(this.#session, error);
  }
}

/** Where a user lease's session comes back to: the user sessions' cache. */
interface LeaseCache {
  give(session: UserSession, tainted: boolean, changed: boolean): Promise<void>;
  refused(session: UserSession, error: unknown): Error;
}
