import { isSurrealPoolError, SurrealPoolError } from "../../errors/SurrealPoolError.js";

/**
 * The caller's AbortSignal fired while `session.acquire()` waited for one of the session's own lease
 * slots. Same code as the pool's aborted acquire, so one check covers both; `cause` is the signal's reason.
 */
export class SessionAcquireAbortedError extends SurrealPoolError {
  readonly agentId: string;
  /** Which queue the wait was aborted in; the pool's own abort error comes from the pool. */
  readonly queue = "session" as const;

  constructor(agentId: string, reason: unknown) {
    super(
      "ACQUIRE_ABORTED",
      `agent "${agentId}": acquire aborted by its AbortSignal while waiting for a session lease slot.`,
      { cause: reason },
    );
    this.agentId = agentId;
  }
}

export function isSessionAcquireAbortedError(error: unknown): error is SessionAcquireAbortedError {
  return (
    isSurrealPoolError(error) &&
    error.code === "ACQUIRE_ABORTED" &&
    (error as { queue?: unknown }).queue === "session"
  );
}
