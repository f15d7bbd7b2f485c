import { isSurrealPoolError, SurrealPoolError } from "../../errors/SurrealPoolError.js";

/** Why a change to a transaction log was refused. The log is unchanged in every case. */
export type TransactionLogErrorReason =
  | "unknownTransaction" // the id was never recorded in this log
  | "alreadyCommitted" // the entry settled before (committed); it settles once
  | "alreadyAborted" // the entry settled before (aborted); it settles once
  | "invalidOperation" // the operation given to recordTransaction is malformed
  | "unknownAgent" // restore found no stored log for the agent and was not told where to start one
  | "corruptLog"; // a replayed event does not follow from the ones before it (gap, duplicate, unknown id)

/** A transaction log refused a change (or a replay); the message says what to do instead. */
export class TransactionLogError extends SurrealPoolError {
  readonly reason: TransactionLogErrorReason;
  readonly agentId: string;
  /** The transaction concerned, when there is one. */
  readonly transactionId: string | undefined;

  constructor(
    reason: TransactionLogErrorReason,
    agentId: string,
    transactionId: string | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super("TRANSACTION_LOG", message, options);
    this.reason = reason;
    this.agentId = agentId;
    this.transactionId = transactionId;
  }
}

export function isTransactionLogError(error: unknown): error is TransactionLogError {
  return isSurrealPoolError(error) && error.code === "TRANSACTION_LOG";
}
