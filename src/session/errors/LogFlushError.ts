import { isSurrealPoolError, SurrealPoolError } from "../../errors/SurrealPoolError.js";

/**
 * Writing the transaction log to SurrealDB failed. Nothing is dropped: the events stay buffered and
 * the sink retries them on its interval; `cause` is the write's error.
 */
export class LogFlushError extends SurrealPoolError {
  readonly agentId: string;
  /** Events still waiting to be written. */
  readonly pendingEvents: number;

  constructor(agentId: string, pendingEvents: number, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(
      "LOG_FLUSH_FAILED",
      `agent "${agentId}": writing ${pendingEvents} transaction log events to SurrealDB failed (${why}). ` +
        "They stay buffered and are retried; call session.flush() again once the database is reachable.",
      { cause },
    );
    this.agentId = agentId;
    this.pendingEvents = pendingEvents;
  }
}

export function isLogFlushError(error: unknown): error is LogFlushError {
  return isSurrealPoolError(error) && error.code === "LOG_FLUSH_FAILED";
}
