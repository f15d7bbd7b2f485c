import type { TxLogEvent } from "../events/SessionEvent.js";
import { TransactionLogError } from "./errors/TransactionLogError.js";
import type { TransactionEntry } from "./TransactionEntry.js";

/**
 * The transaction log is its events; an entry's status is the fold of that entry's events. This file
 * is that fold, and the one rule set for which event may follow which: the live log checks a change
 * with `checkTxLogEvent` before appending it, and a replay checks every stored event with the same rule.
 */

/** The fold's accumulator: entries by id (in recording order) and the last `seq` folded. */
export interface TransactionLogState {
  readonly entries: ReadonlyMap<string, TransactionEntry>;
  readonly lastSeq: number;
}

/**
 * Why `event` cannot follow `state`, or undefined when it can. Pure. The messages address a live caller
 * (what to do instead); a replay rewraps them as `corruptLog`.
 */
export function checkTxLogEvent(
  state: TransactionLogState,
  event: TxLogEvent,
): TransactionLogError | undefined {
  const { agentId, txId } = event;
  if (event.seq !== state.lastSeq + 1) {
    return new TransactionLogError(
      "corruptLog",
      agentId,
      txId,
      `agent "${agentId}": log event seq ${event.seq} does not follow seq ${state.lastSeq}: events are missing ` +
        "or duplicated. Replay the log from its first event, in order.",
    );
  }
  const entry = state.entries.get(txId);
  if (event.type === "txlog.recorded") {
    if (entry === undefined) return undefined;
    return new TransactionLogError(
      "corruptLog",
      agentId,
      txId,
      `agent "${agentId}": transaction "${txId}" is recorded twice (seq ${event.seq}); ids are unique per log.`,
    );
  }
  const verb = event.type === "txlog.committed" ? "commit" : "abort";
  if (entry === undefined) {
    return new TransactionLogError(
      "unknownTransaction",
      agentId,
      txId,
      `agent "${agentId}": cannot ${verb} transaction "${txId}": this session's log has no such entry. ` +
        "Pass an id returned by recordTransaction() of this session (see transactionHistory()).",
    );
  }
  if (entry.status === "pending") return undefined;
  const when = new Date((entry.committedAt ?? entry.abortedAt) as number).toISOString();
  return new TransactionLogError(
    entry.status === "committed" ? "alreadyCommitted" : "alreadyAborted",
    agentId,
    txId,
    `agent "${agentId}": cannot ${verb} transaction "${txId}": it was already ${entry.status} at ${when}, and a ` +
      "transaction settles once. Record a new transaction for a new attempt.",
  );
}

/**
 * Applies one event that `checkTxLogEvent` accepted to a mutable accumulator. Kept apart from the
 * pure fold so the live log can fold incrementally (one event at a time) with the very same step.
 */
export function applyTxLogEvent(entries: Map<string, TransactionEntry>, event: TxLogEvent): void {
  if (event.type === "txlog.recorded") {
    entries.set(
      event.txId,
      Object.freeze({
        id: event.txId,
        operation: event.operation,
        status: "pending",
        recordedAt: event.ts,
      }),
    );
    return;
  }
  const entry = entries.get(event.txId) as TransactionEntry;
  // Map.set on an existing key keeps its position, so history stays in recording order.
  entries.set(
    event.txId,
    Object.freeze(
      event.type === "txlog.committed"
        ? { ...entry, status: "committed", committedAt: event.ts }
        : {
            ...entry,
            status: "aborted",
            abortedAt: event.ts,
            ...(event.reason === undefined ? {} : { abortReason: event.reason }),
          },
    ),
  );
}

/**
 * Pure: the state a sequence of log events describes, starting from `from` (default empty), which is
 * not modified. Throws a `TransactionLogError` with reason `corruptLog` at the first event that does
 * not follow (a gap in `seq`, a settle of an unknown or settled entry, an id recorded twice).
 */
export function foldTransactionLogState(
  events: Iterable<TxLogEvent>,
  from: TransactionLogState = { entries: new Map(), lastSeq: 0 },
): TransactionLogState {
  const entries = new Map(from.entries);
  let lastSeq = from.lastSeq;
  for (const event of events) {
    const problem = checkTxLogEvent({ entries, lastSeq }, event);
    if (problem) {
      throw new TransactionLogError(
        "corruptLog",
        event.agentId,
        event.txId,
        `replaying agent "${event.agentId}"'s log failed at seq ${event.seq} (${event.type}): ${problem.message} ` +
          "The stored log was altered or has two writers; nothing was restored.",
        { cause: problem },
      );
    }
    applyTxLogEvent(entries, event);
    lastSeq = event.seq;
  }
  return { entries, lastSeq };
}

/** Pure: the transaction history (entries in recording order) that a sequence of log events describes. */
export function foldTransactionLog(events: Iterable<TxLogEvent>): TransactionEntry[] {
  return [...foldTransactionLogState(events).entries.values()];
}
