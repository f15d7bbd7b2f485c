import type { LeaseEnd } from "../errors/LeaseReleasedError.js";

/**
 * What the core knows of a lease: when it was handed out, and how to end it from the pool's side. What
 * a borrower does with it (the revocable handle, the calls in flight, what it left open) is the
 * SurrealDB layer's lease, which holds its connection privately and hands it back with itself when it
 * ends (`LeaseOwner.release`). An interface, not a base class: a lease is made on every acquire, and a
 * derived class's construction costs several times a plain one's.
 */
export interface CoreLease {
  /** performance.now() when handed out. */
  readonly acquiredAt: number;
  /** Stack of the acquire() call, when leak detection is on. */
  readonly acquiredStack: string | undefined;
  readonly connectionId: string;
  readonly endpoint: string;
  /**
   * Ends the lease from the pool's side (shutdown took it back, its connection broke): every use after
   * it, and every call still running, fails.
   */
  revoke(reason: Exclude<LeaseEnd, "released">, cause?: Error): void;
}
