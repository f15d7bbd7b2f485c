import type { PoolEvent } from "../events/PoolEvent.js";
import type { AcquireRequest } from "./acquireOptions.js";
import type { CoreLease } from "./CoreLease.js";
import type { PooledConnection } from "./PooledConnection.js";

/** What the pool does when a lease ends; the lease calls it. */
export interface LeaseOwner {
  /**
   * The lease on `connection` ended. `discard`: give the connection up (broken, or calls were cut off)
   * instead of returning it.
   */
  release(connection: PooledConnection, lease: CoreLease, discard: boolean): Promise<void>;
  /** Calls the lease stopped waiting for, which still run on the connection (shutdown waits for them). */
  cutOff(calls: readonly PromiseLike<unknown>[]): void;
  /** What happened on the lease (a call past its deadline, abandoned transactions, live queries killed). */
  publish(event: PoolEvent): void;
}

/**
 * The few places where the core hands a unit to the layer that knows what it is (as pgxpool's
 * `PrepareConn` and `AfterRelease` do over puddle): the lease a borrower gets, readying it, and the
 * verdict on its return. The core decides who gets which connection and when one opens or retires;
 * these decide nothing of that.
 */
export interface UnitHooks<L extends CoreLease> {
  /** The lease a borrower gets for `connection` (the core files it and hands it out). */
  lease(
    connection: PooledConnection,
    owner: LeaseOwner,
    acquiredAt: number,
    stack: string | undefined,
    request: AcquireRequest,
  ): L;
  /**
   * Readies a granted lease for its borrower (a sign-in to renew, a namespace to switch to): the lease
   * itself when there is nothing to do, else a promise, rejected after giving the connection up.
   */
  prepare(connection: PooledConnection, lease: L, request: AcquireRequest): L | Promise<L>;
  /** A lease came back: `"discard"` gives the unit up, else what a reset must undo first ([]: nothing). */
  returned(connection: PooledConnection, lease: L): "discard" | readonly string[];
  /** A unit opened: the layer wires what the unit reports by itself. */
  opened(connection: PooledConnection): void;
}
