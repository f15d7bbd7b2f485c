import type * as Machine from "../../machines/agentSession.machine.js";
import type { Stamped } from "./Stamped.js";
import type { TransactionOperation } from "./TransactionOperation.js";

/**
 * Every event an agent session publishes, on its own `session.events$` and on the manager's `events$`.
 * Each carries `type`, `ts` (epoch ms) and `agentId`. Two families:
 * - `session.*`: the session machine's transitions and the log sink's progress;
 * - `txlog.*`: the transaction log itself. These are the log's only source of truth: the history is
 *   their fold, and they are exactly what the sink persists and `AgentSession.restore` replays.
 */

interface SessionBase {
  /** Epoch milliseconds when the event happened. */
  ts: number;
  agentId: string;
}

// --- session lifecycle (the agentSession machine's transitions, stamped) ----------------------------
export type SessionCreated = Stamped<Machine.SessionCreated>;
export type SessionClosing = Stamped<Machine.SessionClosing>;
export type SessionClosed = Stamped<Machine.SessionClosed>;
export type SessionFailed = Stamped<Machine.SessionFailed>;

// --- the agent's leases (no transition of the machine: published by the session itself) -------------
export interface SessionLeaseAcquired extends SessionBase {
  type: "session.leaseAcquired";
  connectionId: string;
  endpoint: string;
  /** Time from `session.acquire()` to the lease, both queues (the session's and the pool's) included. */
  waitMs: number;
}
export interface SessionLeaseReleased extends SessionBase {
  type: "session.leaseReleased";
  connectionId: string;
  endpoint: string;
  heldMs: number;
  /** True when closing released it because the agent had not within `closeTimeoutMs`. */
  forced: boolean;
}

// --- the durable sink's progress (not part of the log) ------------------------------------------------
export interface SessionLogFlushed extends SessionBase {
  type: "session.logFlushed";
  /** Events written by this flush. */
  events: number;
  /** `seq` of the last event now durable. */
  durableSeq: number;
  durationMs: number;
}
export interface SessionLogFlushFailed extends SessionBase {
  type: "session.logFlushFailed";
  /** Events that stay buffered and are retried. */
  events: number;
  error: Error;
}

// --- the transaction log (append-only; the fold of these is the history) -----------------------------
interface TxLogBase extends SessionBase {
  /** Position in the agent's log: 1, 2, 3... without gaps, across restores. */
  seq: number;
  /** The transaction this event is about. */
  txId: string;
}
export interface TxLogRecorded extends TxLogBase {
  type: "txlog.recorded";
  operation: TransactionOperation;
}
export interface TxLogCommitted extends TxLogBase {
  type: "txlog.committed";
}
export interface TxLogAborted extends TxLogBase {
  type: "txlog.aborted";
  reason?: string;
}

export type TxLogEvent = TxLogRecorded | TxLogCommitted | TxLogAborted;
export type TxLogEventType = TxLogEvent["type"];

export type SessionLifecycleEvent =
  | Stamped<Machine.AgentSessionEmitted>
  | SessionLeaseAcquired
  | SessionLeaseReleased;

export type SessionEvent = SessionLifecycleEvent | SessionLogFlushed | SessionLogFlushFailed | TxLogEvent;
export type SessionEventType = SessionEvent["type"];

const txLogTypes: ReadonlySet<string> = new Set<TxLogEventType>([
  "txlog.recorded",
  "txlog.committed",
  "txlog.aborted",
]);

/** True for the three events the transaction log consists of. */
export function isTxLogEvent(event: { type: string }): event is TxLogEvent {
  return txLogTypes.has(event.type);
}

/** True for every event an agent session publishes (`session.*` and `txlog.*`). */
export function isSessionEvent(event: { type: string }): event is SessionEvent {
  return event.type.startsWith("session.") || txLogTypes.has(event.type);
}
