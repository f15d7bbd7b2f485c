import type { FoldCases } from "../events/FoldCases.js";
import type { LeaseCallTimedOut, TransactionEvent } from "../events/LeaseSessionEvent.js";

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

/** The fold's cases of the `transaction.*` events and of call timeouts. */
export const TRANSACTION_CASES: FoldCases<TransactionTotals, TransactionEvent | LeaseCallTimedOut> = {
  "transaction.began": (t) => {
    t.transactionsBegun++;
  },
  "transaction.committed": (t) => {
    t.transactionsCommitted++;
  },
  "transaction.cancelled": (t, e) => {
    if (e.reason === "abandoned") t.transactionsAbandoned += e.count ?? 1;
    else t.transactionsCancelled++;
  },
  "transaction.retried": (t) => {
    t.transactionsRetried++;
  },
  "lease.callTimedOut": (t) => {
    t.callTimeouts++;
  },
};
