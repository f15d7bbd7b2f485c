import { isSurrealPoolError, SurrealPoolError } from "./SurrealPoolError.js";

/**
 * One attempt of `executeWithRetry` ran past its `timeoutMs`. The connection it ran on is discarded
 * (a socket that stopped answering looks exactly like this), and the attempt counts as transient.
 */
export class OperationTimeoutError extends SurrealPoolError {
  readonly timeoutMs: number;
  readonly endpoint: string;

  constructor(timeoutMs: number, endpoint: string) {
    super(
      "OPERATION_TIMEOUT",
      `the operation on ${endpoint} did not finish within ${timeoutMs} ms; its connection was discarded. Raise timeoutMs if the work is legitimately slow`,
    );
    this.timeoutMs = timeoutMs;
    this.endpoint = endpoint;
  }
}

export function isOperationTimeoutError(error: unknown): error is OperationTimeoutError {
  return isSurrealPoolError(error) && error.code === "OPERATION_TIMEOUT";
}
