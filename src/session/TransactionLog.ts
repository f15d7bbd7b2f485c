import { randomUUID } from "node:crypto";
import type { TxLogAborted, TxLogCommitted, TxLogEvent, TxLogRecorded } from "../events/SessionEvent.js";
import type { TransactionOperation } from "../events/TransactionOperation.js";
import { applyTxLogEvent, checkTxLogEvent, foldTransactionLogState } from "./foldTransactionLog.js";
import { deepFreeze, normalizeOperation } from "./normalizeOperation.js";
import type { TransactionEntry } from "./TransactionEntry.js";

/** What an empty log's checks read: never written to. */
const NO_ENTRIES: ReadonlyMap<string, TransactionEntry> = new Map();

export interface TransactionLogOptions {
  /** The agent whose log this is; stamped on every event. */
  agentId: string;
  /** Events to start from, e.g. replayed from the durable sink; checked by the fold. Default none. */
  events?: readonly TxLogEvent[];
  /** Clock for event timestamps (epoch ms). Default `Date.now`. */
  now?: () => number;
  /** Makes transaction ids. Default `crypto.randomUUID`, so ids stay unique across restores and agents. */
  newId?: () => string;
}

/**
 * One agent's append-only transaction log, in memory and without I/O. Its only state is its list of
 * `txlog.*` events; the history is their fold, kept incrementally with the fold's own step.
 *
 * Each change comes in two halves: `prepare*` builds the event and checks it against the log (throwing a
 * `TransactionLogError`, log unchanged), and `append` adds it. The session puts its own checks (machine
 * state, sink capacity) between the halves, so a refused change leaves no trace anywhere.
 */
export class TransactionLog {
  readonly agentId: string;
  /** The events and their fold; made by the first event (an agent that never logs holds neither). */
  #events: TxLogEvent[] | undefined;
  #entries: Map<string, TransactionEntry> | undefined;
  readonly #now: () => number;
  readonly #newId: () => string;
  #lastSeq = 0;

  constructor(options: TransactionLogOptions) {
    this.agentId = options.agentId;
    this.#now = options.now ?? Date.now;
    this.#newId = options.newId ?? randomUUID;
    if (options.events === undefined || options.events.length === 0) return;
    const events = options.events.map((e) => deepFreeze({ ...e }));
    const state = foldTransactionLogState(events);
    this.#entries = new Map(state.entries);
    this.#lastSeq = state.lastSeq;
    this.#events = events;
  }

  /** `seq` of the last event; 0 for an empty log. */
  get lastSeq(): number {
    return this.#lastSeq;
  }

  /** Number of transactions recorded. */
  get size(): number {
    return this.#entries?.size ?? 0;
  }

  /** Entries still pending. */
  get pending(): number {
    let n = 0;
    for (const entry of this.#entries?.values() ?? []) if (entry.status === "pending") n++;
    return n;
  }

  prepareRecord(operation: TransactionOperation): TxLogRecorded {
    return this.#checked({
      type: "txlog.recorded",
      ts: this.#now(),
      agentId: this.agentId,
      seq: this.#lastSeq + 1,
      txId: this.#newId(),
      operation: normalizeOperation(this.agentId, operation),
    });
  }

  prepareCommit(txId: string): TxLogCommitted {
    return this.#checked({
      type: "txlog.committed",
      ts: this.#now(),
      agentId: this.agentId,
      seq: this.#lastSeq + 1,
      txId,
    });
  }

  prepareAbort(txId: string, reason?: string): TxLogAborted {
    const event: TxLogAborted = {
      type: "txlog.aborted",
      ts: this.#now(),
      agentId: this.agentId,
      seq: this.#lastSeq + 1,
      txId,
    };
    if (reason !== undefined) event.reason = String(reason);
    return this.#checked(event);
  }

  /**
   * Appends an event built by `prepare*` (checked again: the log may have moved on since) and returns
   * the frozen copy the log keeps.
   */
  append<E extends TxLogEvent>(event: E): E {
    const frozen = deepFreeze(this.#checked({ ...event }));
    this.#entries ??= new Map();
    this.#events ??= [];
    applyTxLogEvent(this.#entries, frozen);
    this.#events.push(frozen);
    this.#lastSeq = frozen.seq;
    return frozen;
  }

  record(operation: TransactionOperation): TxLogRecorded {
    return this.append(this.prepareRecord(operation));
  }

  commit(txId: string): TxLogCommitted {
    return this.append(this.prepareCommit(txId));
  }

  abort(txId: string, reason?: string): TxLogAborted {
    return this.append(this.prepareAbort(txId, reason));
  }

  /** Every transaction in recording order, with status and times (a fresh array of frozen entries). */
  history(): TransactionEntry[] {
    return [...(this.#entries?.values() ?? [])];
  }

  entry(txId: string): TransactionEntry | undefined {
    return this.#entries?.get(txId);
  }

  /** The log itself: every event, in order (a fresh array of frozen events). */
  events(): TxLogEvent[] {
    return this.#events?.slice() ?? [];
  }

  #checked<E extends TxLogEvent>(event: E): E {
    const problem = checkTxLogEvent({ entries: this.#entries ?? NO_ENTRIES, lastSeq: this.#lastSeq }, event);
    if (problem) throw problem;
    return event;
  }
}
