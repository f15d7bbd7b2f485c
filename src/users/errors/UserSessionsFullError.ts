import { isSurrealPoolError, SurrealPoolError } from "../../errors/SurrealPoolError.js";

/**
 * A call of an end user waited `timeoutMs` for a session and got none: every one of the
 * `users.maxSessions` cached sessions stayed in use (none idle to evict). Same code as the pool's
 * acquire timeout, so one check covers both; transient (a later call may find room).
 */
export class UserSessionsFullError extends SurrealPoolError {
  /** Which wait timed out. */
  readonly queue = "users" as const;
  readonly user: string;

  /** `endpointBound`: the cache had room, but every endpoint held its bound of sessions (or its breaker was open). */
  constructor(user: string, timeoutMs: number, maxSessions: number, endpointBound = false) {
    super(
      "ACQUIRE_TIMEOUT",
      endpointBound
        ? `user ${user}: no session: every endpoint holds its bound of sessions (pool.maxSessionsPerEndpoint) or ` +
            "its breaker is open. Raise pool.maxSessionsPerEndpoint, or lower users.maxSessions so end users " +
            "leave room for the pool's own sessions."
        : `user ${user}: no session within ${timeoutMs} ms: all ${maxSessions} end-user sessions (users.maxSessions) ` +
            "stayed in use, none idle to evict. Release user leases sooner, or raise users.maxSessions (each is a " +
            "session on the server, under pool.maxSessionsPerEndpoint).",
    );
    this.user = user;
  }
}

export function isUserSessionsFullError(error: unknown): error is UserSessionsFullError {
  return isSurrealPoolError(error) && (error as { queue?: unknown }).queue === "users";
}
