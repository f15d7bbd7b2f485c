import { isSurrealPoolError, SurrealPoolError } from "../errors/SurrealPoolError.js";

/** Why a `manager.live()` stream ended with an error. */
export type LiveFailure = "overflow" | "resubscribe" | "register" | "closed";

/**
 * A `manager.live()` stream ended with an error: its buffer overflowed (`overflow`: the subscriber fell
 * `bufferSize` notifications behind), it could not be registered again after a loss within its
 * attempts (`resubscribe`), its first registration failed (`register`), or the pool shut down (`closed`).
 * Its live query has been killed on the server (or was already gone).
 */
export class LiveError extends SurrealPoolError {
  readonly failure: LiveFailure;
  readonly subscriptionId: string;

  constructor(failure: LiveFailure, subscriptionId: string, message: string, options?: { cause?: unknown }) {
    super("LIVE_FAILED", message, options);
    this.failure = failure;
    this.subscriptionId = subscriptionId;
  }
}

export function isLiveError(error: unknown): error is LiveError {
  return isSurrealPoolError(error) && error.code === "LIVE_FAILED";
}
