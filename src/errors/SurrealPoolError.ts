const brand = Symbol.for("surreal-pool.error");

/** Stable machine-readable codes, one per error class. */
export type SurrealPoolErrorCode =
  | "CONFIG_INVALID"
  | "INVALID_ARGUMENT"
  | "ACQUIRE_TIMEOUT"
  | "OPERATION_TIMEOUT"
  | "ACQUIRE_ABORTED"
  | "POOL_CLOSED"
  | "POOL_SATURATED"
  | "CONNECT_FAILED"
  | "LEASE_RELEASED"
  | "RETRIES_EXHAUSTED"
  | "CIRCUIT_OPEN"
  | "AUTHENTICATION_FAILED"
  | "SESSION_CLOSED"
  | "TRANSACTION_LOG"
  | "LOG_BUFFER_FULL"
  | "LOG_FLUSH_FAILED"
  | "SESSION_CONFLICT"
  | "SYNC_FAILED"
  | "MISSING_DEPENDENCY"
  | "LIVE_FAILED"
  | "COMMIT_OUTCOME_UNKNOWN"
  | "USER_TRANSACTION_UNSAFE";

/**
 * Base of every error this library throws. Carries a brand so `isSurrealPoolError` works across
 * bundles and realms, a stable `code`, and (where useful) the underlying `cause`.
 */
export class SurrealPoolError extends Error {
  readonly [brand] = true;
  readonly code: SurrealPoolErrorCode;

  constructor(code: SurrealPoolErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

export function isSurrealPoolError(error: unknown): error is SurrealPoolError {
  return typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[brand] === true;
}
