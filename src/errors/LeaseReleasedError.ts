import { isSurrealPoolError, SurrealPoolError } from "./SurrealPoolError.js";

/** Why a lease no longer lets calls through. */
export type LeaseEnd =
  | "released" // the borrower released (or discarded) it
  | "shutdown" // shutdown() took it back after its drain timeout
  | "broken"; // its connection broke while leased

/**
 * A lease was used after it ended: through `lease.db`, or through a reference to it kept past release.
 * Such a call never reaches the connection (which may already serve someone else).
 */
export class LeaseReleasedError extends SurrealPoolError {
  readonly connectionId: string;
  readonly reason: LeaseEnd;

  constructor(connectionId: string, reason: LeaseEnd, options?: { cause?: unknown }) {
    super("LEASE_RELEASED", describe(connectionId, reason), options);
    this.connectionId = connectionId;
    this.reason = reason;
  }
}

function describe(connectionId: string, reason: LeaseEnd): string {
  switch (reason) {
    case "shutdown":
      return `connection ${connectionId} was taken back by shutdown() after its drain timeout; finish work before shutting down or raise timeoutMs`;
    case "broken":
      return `connection ${connectionId} broke while leased and was retired; acquire a new lease (executeWithRetry does this for you)`;
    default:
      return `this lease of connection ${connectionId} was already released; acquire a new one instead of keeping lease.db (or anything from it) after release`;
  }
}

export function isLeaseReleasedError(error: unknown): error is LeaseReleasedError {
  return isSurrealPoolError(error) && error.code === "LEASE_RELEASED";
}
