// The agent-session part of the public API; src/index.ts re-exports it.

export type { SessionEvent, TxLogEvent } from "../events/SessionEvent.js";
export type { TransactionOperation } from "../events/TransactionOperation.js";
export {
  AgentSession,
  type AgentSessionState,
  type SessionAcquireOptions,
  type SessionCloseOptions,
  type SessionCloseReport,
} from "./AgentSession.js";
export type { AgentSessionCreateOptions } from "./AgentSessionCreateOptions.js";
export type { AgentSessionOptions, AgentSessionRestoreOptions } from "./AgentSessionOptions.js";
export { type AgentLogFilter, agentLog$, TXLOG_EVENT_TYPES } from "./agentLog.js";
export { isLogBufferFullError, LogBufferFullError } from "./errors/LogBufferFullError.js";
export { isLogFlushError, LogFlushError } from "./errors/LogFlushError.js";
export {
  isSessionAcquireAbortedError,
  SessionAcquireAbortedError,
} from "./errors/SessionAcquireAbortedError.js";
export {
  isSessionAcquireTimeoutError,
  SessionAcquireTimeoutError,
} from "./errors/SessionAcquireTimeoutError.js";
export { isSessionClosedError, SessionClosedError } from "./errors/SessionClosedError.js";
export { isSessionConflictError, SessionConflictError } from "./errors/SessionConflictError.js";
export { isTransactionLogError, TransactionLogError } from "./errors/TransactionLogError.js";
export { foldTransactionLog } from "./foldTransactionLog.js";
export type { SessionLease } from "./SessionLease.js";
export type { TransactionEntry } from "./TransactionEntry.js";
export type { TxLogSinkOptions } from "./TxLogSinkOptions.js";
