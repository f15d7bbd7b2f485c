/** Where and how an agent session writes its transaction log into SurrealDB. */
export interface TxLogSinkOptions {
  /**
   * Namespace of the log table. Default: the manager's namespace. All agents share one table there,
   * so `AgentSession.restore(agentId, manager)` finds any agent's log without being told where it worked.
   */
  namespace?: string;
  /** Database of the log table. Default: the manager's database. */
  database?: string;
  /** Table name (a plain identifier). Default "txlog". */
  table?: string;
  /** Buffered events are written at least this often. Default 200. */
  flushIntervalMs?: number;
  /** A write takes at most this many events; this many buffered triggers a write at once. Default 100. */
  maxBatchSize?: number;
  /**
   * Events not yet durable (buffered plus being written) before new log changes are refused with
   * `LogBufferFullError`. Bounds memory and how far the agent may run ahead of SurrealDB. Default 10 000.
   */
  maxBufferedEvents?: number;
}
