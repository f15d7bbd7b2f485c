import { isSurrealPoolError, SurrealPoolError } from "./SurrealPoolError.js";

/** A lease was used after it went back to the pool (or after shutdown took it back). */
export class LeaseReleasedError extends SurrealPoolError {
  constructor(connectionId: string, revoked: boolean) {
    super(
      "LEASE_RELEASED",
      revoked
        ? `connection ${connectionId} was taken back by shutdown() after its drain timeout; finish work before shutting down or raise timeoutMs`
        : `this lease of connection ${connectionId} was already released; acquire a new one instead of keeping lease.db after release`,
    );
  }
}

export function isLeaseReleasedError(error: unknown): error is LeaseReleasedError {
  return isSurrealPoolError(error) && error.code === "LEASE_RELEASED";
}
