import type { PooledDb } from "../connection/Connector.js";
import type { PooledConnection } from "../connection/PooledConnection.js";
import { LeaseReleasedError } from "../errors/LeaseReleasedError.js";

/** What the pool must do when a lease ends. */
export interface LeaseOwner {
  release(lease: Lease, discard: boolean): Promise<void>;
}

/**
 * A borrowed connection. Return it with `await using` (TypeScript) or `release()` in a `finally`
 * (JavaScript); releasing twice is harmless. `db` throws once the lease has ended, so a reference kept
 * past release fails loudly instead of running on someone else's connection.
 */
export class Lease implements AsyncDisposable {
  readonly connection: PooledConnection;
  /** performance.now() when handed out. */
  readonly acquiredAt: number;
  /** Stack of the acquire() call, when leak detection is on. */
  readonly acquiredStack: string | undefined;
  #owner: LeaseOwner;
  #ended: false | "released" | "revoked" = false;
  #done: Promise<void> | undefined;

  constructor(connection: PooledConnection, owner: LeaseOwner, acquiredAt: number, acquiredStack?: string) {
    this.connection = connection;
    this.#owner = owner;
    this.acquiredAt = acquiredAt;
    this.acquiredStack = acquiredStack;
  }

  /** The SurrealDB SDK session to query with (`lease.db.query(...)`). */
  get db(): PooledDb {
    if (this.#ended) throw new LeaseReleasedError(this.connection.id, this.#ended === "revoked");
    // A connection is only leased once open, so raw is set.
    return this.connection.raw!.db;
  }

  get connectionId(): string {
    return this.connection.id;
  }

  get endpoint(): string {
    return this.connection.endpoint;
  }

  get released(): boolean {
    return this.#ended !== false;
  }

  /** Returns the connection to the pool (reset first if the borrower changed its session). */
  release(): Promise<void> {
    return this.#end(false);
  }

  /** Gives the connection up instead of returning it (use when you know it is broken). */
  discard(): Promise<void> {
    return this.#end(true);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.release();
  }

  /** Ends the lease from the pool's side (shutdown timeout); later use of `db` says so. */
  revoke(): void {
    this.#ended = "revoked";
    this.#done ??= Promise.resolve();
  }

  #end(discard: boolean): Promise<void> {
    if (this.#done) return this.#done;
    this.#ended = "released";
    this.#done = this.#owner.release(this, discard);
    return this.#done;
  }
}
