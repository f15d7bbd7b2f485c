import { isSurrealPoolError, SurrealPoolError } from "./SurrealPoolError.js";

/** The caller's AbortSignal fired before a connection was handed out; nothing is leased. */
export class AcquireAbortedError extends SurrealPoolError {
  constructor(reason: unknown) {
    super("ACQUIRE_ABORTED", "acquire() was aborted by its signal before a connection was handed out", {
      cause: reason,
    });
  }
}

export function isAcquireAbortedError(error: unknown): error is AcquireAbortedError {
  return isSurrealPoolError(error) && error.code === "ACQUIRE_ABORTED";
}
