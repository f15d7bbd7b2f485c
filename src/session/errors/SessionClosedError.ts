import { isSurrealPoolError, SurrealPoolError } from "../../errors/SurrealPoolError.js";

/** The agent session is closing or closed (or failed), so it takes no new work. */
export class SessionClosedError extends SurrealPoolError {
  readonly agentId: string;

  constructor(agentId: string, what: string, state: string, options?: { cause?: unknown }) {
    super(
      "SESSION_CLOSED",
      `agent "${agentId}": cannot ${what}: the session is ${state}. ` +
        `Open a new one with AgentSession.restore("${agentId}", manager) (durable log) or AgentSession.create(...).`,
      options,
    );
    this.agentId = agentId;
  }
}

export function isSessionClosedError(error: unknown): error is SessionClosedError {
  return isSurrealPoolError(error) && error.code === "SESSION_CLOSED";
}
