import { isSurrealPoolError, SurrealPoolError } from "./SurrealPoolError.js";

/**
 * A transaction's COMMIT was sent, and no answer says whether it was applied: the attempt ran past its
 * deadline, the connection dropped, or its lease ended while the commit was in flight. It may have been
 * applied, so `transaction()` does not run `fn` again (that could apply the work twice). `cause` is what
 * reported it. Not transient: read the data to learn the outcome before doing the work again.
 */
export class CommitOutcomeUnknownError extends SurrealPoolError {
  /** The endpoint the commit was sent to. */
  readonly endpoint: string;

  constructor(endpoint: string, cause: unknown) {
    super(
      "COMMIT_OUTCOME_UNKNOWN",
      `the transaction's commit was sent to ${endpoint} but its outcome is unknown (${reasonOf(cause)}): it may have been applied, so it was not run again. Read the data to learn whether it was (a unique id per unit of work makes this easy) before doing the work again`,
      { cause },
    );
    this.endpoint = endpoint;
  }
}

function reasonOf(cause: unknown): string {
  try {
    return cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
  } catch {
    return "an unreadable error";
  }
}

export function isCommitOutcomeUnknownError(error: unknown): error is CommitOutcomeUnknownError {
  return isSurrealPoolError(error) && error.code === "COMMIT_OUTCOME_UNKNOWN";
}
