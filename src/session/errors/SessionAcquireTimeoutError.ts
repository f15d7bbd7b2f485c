import { isSurrealPoolError, SurrealPoolError } from "../../errors/SurrealPoolError.js";

/**
 * `session.acquire()` waited its whole timeout for one of the session's own lease slots (the fairness
 * cap), before even reaching the pool. Same code as the pool's acquire timeout, so one check covers both.
 */
export class SessionAcquireTimeoutError extends SurrealPoolError {
  readonly agentId: string;
  /** Which queue the wait timed out in; the pool's own timeout error comes from the pool. */
  readonly queue = "session" as const;

  constructor(agentId: string, timeoutMs: number, maxConcurrentLeases: number) {
    super(
      "ACQUIRE_TIMEOUT",
      `agent "${agentId}": no lease within ${timeoutMs} ms: all ${maxConcurrentLeases} of the session's lease ` +
        "slots (maxConcurrentLeases) stayed in use. Release leases sooner (await using / release()), or raise " +
        "maxConcurrentLeases or the acquire timeout.",
    );
    this.agentId = agentId;
  }
}

export function isSessionAcquireTimeoutError(error: unknown): error is SessionAcquireTimeoutError {
  return (
    isSurrealPoolError(error) &&
    error.code === "ACQUIRE_TIMEOUT" &&
    (error as { queue?: unknown }).queue === "session"
  );
}
