// Options and reports of an agent session's calls.

/** Options of `session.acquire()`. */
export interface SessionAcquireOptions {
  /** Abandons the acquire when it fires, in the session's queue or the pool's. */
  signal?: AbortSignal;
  /** Longest wait over both queues. Default: the session's `acquireTimeoutMs`. */
  timeoutMs?: number;
}

/** Options of `session.close()`. */
export interface SessionCloseOptions {
  /** Overrides the session's `closeTimeoutMs` for this close. */
  timeoutMs?: number;
}

/** What `close()` reports. */
export interface SessionCloseReport {
  agentId: string;
  /** Leases closing released itself because the agent had not within the timeout. */
  forcedReleases: number;
  /** Transactions left pending; they stay pending in the (durable) log. */
  pendingTransactions: number;
  /** Log events in total, all durable when a sink is configured. */
  logEvents: number;
}

/** Where an agent session is in its life (the machine's top-level state). */
export type AgentSessionState = "creating" | "active" | "closing" | "closed" | "failed";
