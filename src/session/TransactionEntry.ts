import type { TransactionOperation } from "../events/TransactionOperation.js";

/** Where a transaction stands. It starts pending and settles once, to committed or aborted, for good. */
export type TransactionStatus =
  | "pending" // recorded, neither committed nor aborted yet
  | "committed" // the agent declared it done; final
  | "aborted"; // the agent gave it up; final

/**
 * One line of an agent's transaction history. Never stored as such: it is the fold of the entry's
 * `txlog.*` events (see `foldTransactionLog`), and frozen, so a caller cannot edit the past.
 */
export interface TransactionEntry {
  /** The id `recordTransaction` returned. */
  readonly id: string;
  readonly operation: TransactionOperation;
  readonly status: TransactionStatus;
  /** Epoch ms of `txlog.recorded`. */
  readonly recordedAt: number;
  /** Epoch ms of `txlog.committed`, once committed. */
  readonly committedAt?: number;
  /** Epoch ms of `txlog.aborted`, once aborted. */
  readonly abortedAt?: number;
  /** The reason given to `abortTransaction`, if any. */
  readonly abortReason?: string;
}
