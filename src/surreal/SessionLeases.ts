import type { AcquireRequest } from "../core/acquireOptions.js";
import type { PooledConnection } from "../core/PooledConnection.js";
import type { LeaseOwner, UnitHooks } from "../core/UnitHooks.js";
import type { PoolEvent } from "../events/PoolEvent.js";
import type { RawConnection } from "./Connector.js";
import { authRenewed, renewAuth } from "./credentials/renewAuth.js";
import { connectionOf, PooledLease } from "./lease/PooledLease.js";
import { rawOf } from "./rawOf.js";
import { sessionDrift } from "./sessionDrift.js";
import { switchTo } from "./switchTo.js";

const NO_DRIFT: readonly string[] = [];

/**
 * How the core's units become SurrealDB leases and come back: a lease is the revocable handle over the
 * unit's session; before the borrower gets it, an expiring sign-in is renewed and the requested
 * namespace/database applied; on its return, a dead session is given up and whatever the borrower
 * changed is listed for the reset to undo.
 */
export class SessionLeases implements UnitHooks<PooledLease> {
  readonly #connectTimeoutMs: number;
  readonly #publish: (event: PoolEvent) => void;

  constructor(connectTimeoutMs: number, publish: (event: PoolEvent) => void) {
    this.#connectTimeoutMs = connectTimeoutMs;
    this.#publish = publish;
  }

  lease(
    connection: PooledConnection,
    owner: LeaseOwner,
    acquiredAt: number,
    stack: string | undefined,
    request: AcquireRequest,
  ): PooledLease {
    return new PooledLease(connection, owner, acquiredAt, stack, request.queryTimeoutMs, this.reauthenticate);
  }

  /**
   * The sign-in renewed when it is (nearly) expired, then the request's namespace/database applied, if
   * it asks for one (the reset on return switches back). The common lease needs neither and is
   * returned as it is, with no promise in between. A failure gives the connection up and rejects.
   */
  prepare(
    connection: PooledConnection,
    lease: PooledLease,
    request: AcquireRequest,
  ): PooledLease | Promise<PooledLease> {
    const raw = rawOf(connection);
    if (raw.auth?.due()) {
      return this.reauthenticate(lease, "expiring").then(
        () => switchFor(raw, lease, request),
        (error: unknown) => discardAndThrow(lease, error),
      );
    }
    return switchFor(raw, lease, request);
  }

  returned(connection: PooledConnection, lease: PooledLease): "discard" | readonly string[] {
    const raw = rawOf(connection);
    if (!raw.db.isValid) return "discard";
    // A lease that called no session-changing method has nothing to undo (the handle saw every call).
    return lease.sessionChanged ? sessionDrift(raw.db, raw.baseline) : NO_DRIFT;
  }

  /** Renewals a unit makes by itself (in a ping, a live connection's call) are events too. */
  opened(connection: PooledConnection): void {
    const raw = rawOf(connection);
    if (!raw.auth) return;
    const target = { connectionId: connection.id, endpoint: connection.endpoint };
    raw.renewedInPing = (reason, durationMs) => this.#publish(authRenewed(target, reason, durationMs));
  }

  /** Signs a lease's unit in again (before use, or after a refusal as expired). */
  readonly reauthenticate = (
    lease: PooledLease,
    reason: "expiring" | "refused" = "refused",
  ): Promise<void> => {
    const connection = connectionOf(lease);
    return renewAuth(
      { connectionId: connection.id, endpoint: connection.endpoint, raw: rawOf(connection) },
      reason,
      this.#connectTimeoutMs,
      this.#publish,
    );
  };
}

function switchFor(
  raw: RawConnection,
  lease: PooledLease,
  request: AcquireRequest,
): PooledLease | Promise<PooledLease> {
  if (request.namespace === undefined && request.database === undefined) return lease;
  // Read after a renewal: it updates the baseline's token.
  const { baseline } = raw;
  return switchTo(lease.db, {
    namespace: request.namespace ?? baseline.namespace,
    database: request.database ?? baseline.database,
  }).then(
    () => lease,
    (error: unknown) => discardAndThrow(lease, error),
  );
}

async function discardAndThrow(lease: PooledLease, error: unknown): Promise<never> {
  await lease.discard();
  throw error;
}
