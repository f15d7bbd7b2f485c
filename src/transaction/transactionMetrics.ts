import type { TransactionEvent } from "../events/LeaseSessionEvent.js";

/** The transaction counters of the snapshot: a fold of the `transaction.*` events. */
export interface TransactionTotals {
  /** Transactions `manager.transaction()` began (one per attempt). */
  transactionsBegun: number;
  /** Transactions `manager.transaction()` committed. */
  transactionsCommitted: number;
  /** Transactions cancelled or dropped uncommitted: fn threw, timed out, aborted, conflicted, failed. */
  transactionsCancelled: number;
  /** Attempts `manager.transaction()` ran again after a transient failure. */
  transactionsRetried: number;
  /** Transactions a borrower left open at release, which the pool cancelled (counted per transaction). */
  transactionsAbandoned: number;
  /** Calls through a lease that ran past `queryTimeoutMs`. */
  callTimeouts: number;
}

export function emptyTransactionTotals(): TransactionTotals {
  return {
    transactionsBegun: 0,
    transactionsCommitted: 0,
    transactionsCancelled: 0,
    transactionsRetried: 0,
    transactionsAbandoned: 0,
    callTimeouts: 0,
  };
}

/** Folds one transaction event (or a call timeout) into `t`, in place. */
export function applyTransactionEvent(
  t: TransactionTotals,
  e: TransactionEvent | { type: "lease.callTimedOut" },
): void {
  switch (e.type) {
    case "transaction.began":
      t.transactionsBegun++;
      break;
    case "transaction.committed":
      t.transactionsCommitted++;
      break;
    case "transaction.cancelled":
      if (e.reason === "abandoned") t.transactionsAbandoned += e.count ?? 1;
      else t.transactionsCancelled++;
      break;
    case "transaction.retried":
      t.transactionsRetried++;
      break;
    case "lease.callTimedOut":
      t.callTimeouts++;
      break;
  }
}
