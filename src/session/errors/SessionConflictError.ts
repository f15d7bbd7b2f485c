import { isSurrealPoolError, SurrealPoolError } from "../../errors/SurrealPoolError.js";

/**
 * A second writer for one agent's log: an open session with the same agent id on this manager, a
 * persisted log that `create` would fork, or another process writing the same log entries. An
 * agent's log has one writer, or its sequence would interleave.
 */
export class SessionConflictError extends SurrealPoolError {
  readonly agentId: string;

  constructor(agentId: string, message: string) {
    super("SESSION_CONFLICT", message);
    this.agentId = agentId;
  }
}

export function isSessionConflictError(error: unknown): error is SessionConflictError {
  return isSurrealPoolError(error) && error.code === "SESSION_CONFLICT";
}
