import type { LeaseEnd } from "../errors/LeaseReleasedError.js";
import type { PooledConnection } from "./PooledConnection.js";

/** The connection a lease holds: for the pool's own files, never exported from the package. */
export let connectionOf: (lease: CoreLease) => PooledConnection;

/**
 * The core's side of a lease: which connection it holds and since when. What a borrower does with it
 * (the revocable handle, the calls in flight, what it left open) is the SurrealDB layer's subclass.
 * The connection is a private field read by the pool's own files through `connectionOf()`: a property
 * would let a kept lease reach the unit after release.
 */
export abstract class CoreLease {
  readonly #connection: PooledConnection;
  /** performance.now() when handed out. */
  readonly acquiredAt: number;
  /** Stack of the acquire() call, when leak detection is on. */
  readonly acquiredStack: string | undefined;

  static {
    connectionOf = (lease) => lease.#connection;
  }

  constructor(connection: PooledConnection, acquiredAt: number, acquiredStack: string | undefined) {
    this.#connection = connection;
    this.acquiredAt = acquiredAt;
    this.acquiredStack = acquiredStack;
  }

  get connectionId(): string {
    return this.#connection.id;
  }

  get endpoint(): string {
    return this.#connection.endpoint;
  }

  /**
   * Ends the lease from the pool's side (shutdown took it back, its connection broke): every use after
   * it, and every call still running, fails.
   */
  abstract revoke(reason: Exclude<LeaseEnd, "released">, cause?: Error): void;
}
