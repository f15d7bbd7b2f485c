import { isSurrealPoolError, SurrealPoolError } from "../../errors/SurrealPoolError.js";

/**
 * The log's durable sink holds `capacity` events not yet written to SurrealDB, so the new one was
 * refused (and not appended: the in-memory log and the durable one never disagree). Thrown instead
 * of dropping the event or blocking the agent.
 */
export class LogBufferFullError extends SurrealPoolError {
  readonly agentId: string;
  readonly capacity: number;

  constructor(agentId: string, capacity: number, lastError?: unknown) {
    super(
      "LOG_BUFFER_FULL",
      `agent "${agentId}": ${capacity} transaction log events are waiting to be written to SurrealDB ` +
        "(sink.maxBufferedEvents), so this change was refused and not logged. Await session.flush() " +
        "(it rejects with the write error if SurrealDB is unreachable) and retry, or raise sink.maxBufferedEvents.",
      lastError === undefined ? undefined : { cause: lastError },
    );
    this.agentId = agentId;
    this.capacity = capacity;
  }
}

export function isLogBufferFullError(error: unknown): error is LogBufferFullError {
  return isSurrealPoolError(error) && error.code === "LOG_BUFFER_FULL";
}
