import type { SurrealSession } from "surrealdb";
import type { SessionLeaseAcquired, SessionLeaseReleased } from "../events/SessionEvent.js";
import type { PoolLease } from "./SessionPool.js";

/**
 * A lease handed out by an agent session: `db` (the agent's session, revocable like a pool lease's),
 * facts about it, and a `release()` that also gives the session its fairness slot back. Idempotent;
 * `await using` works. Nothing on it reaches the pooled connection behind it.
 */
export interface SessionLease extends AsyncDisposable {
  /** The SurrealDB session to query with; read after the lease ended, it throws `LeaseReleasedError`. */
  readonly db: SurrealSession;
  /** The agent that holds it. */
  readonly agentId: string;
  /** The pooled connection's id (as in events and `healthStatus()`). */
  readonly connectionId: string;
  /** The endpoint URL the connection is open to. */
  readonly endpoint: string;
  /** Epoch ms when the session handed it out. */
  readonly acquiredAt: number;
  /** True once `release()` was called (or closing took it back). */
  readonly released: boolean;
  /** Returns the lease to the agent's session and the pool; releasing twice is harmless. */
  release(): Promise<void>;
}

/**
 * The session's side of a `SessionLease`: also what the session itself needs of it (cutting it off
 * when the agent's own session drops, forcing it back at close), which the public type leaves out.
 */
export class AgentSessionLease implements SessionLease, PoolLease {
  readonly agentId: string;
  readonly connectionId: string;
  readonly endpoint: string;
  /** Epoch ms when the session handed it out. */
  readonly acquiredAt: number;
  readonly #lease: PoolLease;
  readonly #onRelease: (forced: boolean) => Promise<void>;
  /** The agent's own session behind the pool lease's guard, when the agent has one. */
  readonly #own: SurrealSession | undefined;
  #released: Promise<void> | undefined;

  /** @internal Made by `AgentSession.acquire()`. */
  constructor(
    agentId: string,
    lease: PoolLease,
    acquiredAt: number,
    onRelease: (forced: boolean) => Promise<void>,
    own?: SurrealSession,
  ) {
    this.#own = own;
    this.agentId = agentId;
    this.#lease = lease;
    this.connectionId = lease.connectionId;
    this.endpoint = lease.endpoint;
    this.acquiredAt = acquiredAt;
    this.#onRelease = onRelease;
  }

  /**
   * The pool lease's `db`, read through on every access: the pool's lease refuses use after release
   * (`LeaseReleasedError`), and a copy taken here would bypass that guard.
   */
  get db(): SurrealSession {
    // Read through the pool lease either way, so a released lease refuses (LeaseReleasedError).
    const pooled = this.#lease.db;
    return this.#own ?? pooled;
  }

  /** @internal Its agent's own session dropped: the pool lease ends, cutting off calls still running. */
  cutOff(): Promise<void> {
    return this.#lease.discard ? this.#lease.discard() : this.#lease.release();
  }

  get released(): boolean {
    return this.#released !== undefined;
  }

  release(): Promise<void> {
    this.#released ??= this.#onRelease(false);
    return this.#released;
  }

  /** @internal Closing releases a lease the agent kept past `closeTimeoutMs`. */
  forceRelease(): Promise<void> {
    this.#released ??= this.#onRelease(true);
    return this.#released;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.release();
  }

  /** @internal Its `session.leaseAcquired`, at `ts` (epoch ms), `waitMs` after the agent asked. */
  acquiredEvent(ts: number, waitMs: number): SessionLeaseAcquired {
    const { agentId, connectionId, endpoint } = this;
    return { type: "session.leaseAcquired", ts, agentId, connectionId, endpoint, waitMs };
  }

  /** @internal Its `session.leaseReleased`, at `ts` (epoch ms); `forced`: closing took it back. */
  releasedEvent(ts: number, forced: boolean): SessionLeaseReleased {
    const { agentId, connectionId, endpoint } = this;
    return {
      type: "session.leaseReleased",
      ts,
      agentId,
      connectionId,
      endpoint,
      heldMs: ts - this.acquiredAt,
      forced,
    };
  }
}
