import { isSurrealPoolError, SurrealPoolError } from "./SurrealPoolError.js";

/**
 * A call or an attempt ran past its deadline: one attempt of `executeWithRetry` past its `timeoutMs`
 * (waiting for a connection included), or one call through a lease past `queryTimeoutMs`. The
 * connection it ran on is discarded (a socket that stopped answering looks exactly like this), and
 * the error counts as transient.
 */
export class OperationTimeoutError extends SurrealPoolError {
  readonly timeoutMs: number;
  readonly endpoint: string;

  constructor(timeoutMs: number, endpoint: string, options?: { cause?: unknown }) {
    super(
      "OPERATION_TIMEOUT",
      `the operation on ${endpoint} did not finish within ${timeoutMs} ms; its connection was discarded. Raise the timeout if the work is legitimately slow`,
      options,
    );
    this.timeoutMs = timeoutMs;
    this.endpoint = endpoint;
  }
}

export function isOperationTimeoutError(error: unknown): error is OperationTimeoutError {
  return isSurrealPoolError(error) && error.code === "OPERATION_TIMEOUT";
}
