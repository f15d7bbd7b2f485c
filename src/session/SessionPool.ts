import type { Observable } from "rxjs";
import type { SurrealSession } from "surrealdb";
import type { Logger } from "../config/Logger.js";
import type { PoolEvent } from "../events/PoolEvent.js";

/**
 * What an agent session needs from the pool, written as a structural contract: `ConnectionManager` and
 * its `Lease` satisfy it, and the session code depends on this much only (so it can be tested, and
 * written, without the pool's internals).
 */

/** A leased connection: the pool's `Lease`. */
export interface PoolLease extends AsyncDisposable {
  /** Already switched to the namespace/database asked for in `acquire()`. */
  readonly db: SurrealSession;
  readonly connectionId: string;
  readonly endpoint: string;
  /** Idempotent; the pool resets what the borrower changed. */
  release(): Promise<void>;
  /** Ends the lease giving its connection up (calls still running are cut off). */
  discard?(): Promise<void>;
  /** `target` behind this lease's guard: its calls end with the lease (the pool's `Lease.guard`). */
  guard?<T extends object>(target: T): T;
  /** Calls through the lease (and its guard) still running: a release cuts them off. */
  readonly callsInFlight?: number;
  /** A call through it ran past its deadline (it may still run). */
  readonly timedOut?: boolean;
  /**
   * A call through it (or its guard) changed session state (`use`, `set`, `signin`, ...): the pool's
   * dirty bit. Absent: unknown, so the session is compared with its baseline.
   */
  readonly sessionChanged?: boolean;
}

export interface PoolAcquireOptions {
  /** Abandons the acquire when it fires. */
  signal?: AbortSignal;
  /** Longest wait for a connection; the pool's `connectionTimeoutMs` when omitted. */
  timeoutMs?: number;
  /** Namespace the lease is switched to. */
  namespace?: string;
  /** Database the lease is switched to. */
  database?: string;
}

/** The pool: `ConnectionManager`. */
export interface SessionPool {
  acquire(options?: PoolAcquireOptions): Promise<PoolLease>;
  /** Hot stream of every pool event; agent sessions publish theirs onto it too. */
  readonly events$: Observable<PoolEvent>;
  readonly config: {
    readonly namespace: string;
    readonly database: string;
    readonly pool: { readonly maxConnections: number; readonly connectionTimeoutMs?: number };
    /** The manager's inspection observer; sessions attach theirs to it unless given their own. */
    readonly inspect?: unknown;
    /** The manager's pino logger; sessions log through it unless given their own. */
    readonly logger?: Logger;
  };
}
