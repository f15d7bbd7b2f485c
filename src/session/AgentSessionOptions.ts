import type { InspectionEvent, Observer } from "xstate";
import type { Logger } from "../config/Logger.js";
import type { TxLogSinkOptions } from "./TxLogSinkOptions.js";

/** Options of `AgentSession.create` and `AgentSession.restore`. */
export interface AgentSessionOptions {
  /**
   * Most acquires this session has at the pool at once (waiting in the pool's queue or leased); further
   * `acquire()` calls wait in the session's own FIFO queue. This is what keeps one busy agent from
   * starving the others. Default `max(1, floor(maxConnections / 2))`.
   */
  maxConcurrentLeases?: number;
  /**
   * How long `close()` waits for the agent to release its leases before releasing them itself (a lease
   * released that way refuses further use, if the pool enforces it). Default 30 000.
   */
  closeTimeoutMs?: number;
  /**
   * Default wait of `session.acquire()` over both queues (the session's and the pool's) when the call
   * gives no `timeoutMs`. Default: the pool's `connectionTimeoutMs`, else 30 000.
   */
  acquireTimeoutMs?: number;
  /**
   * Write the transaction log into SurrealDB (an append-only table) so `restore` can rebuild it:
   * `true` for the defaults, or where and how. Default off for `create`, on for `restore`.
   */
  sink?: boolean | TxLogSinkOptions;
  /** Clock for event timestamps (epoch ms). Default `Date.now`. */
  now?: () => number;
  /** An XState inspection observer (e.g. from `@statelyai/inspect`) for the session's machine. Default: the manager's. */
  inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
  /**
   * A pino logger; the session logs through `logger.child({ component: "agent-session", agentId })`.
   * Default: the manager's logger; silent when it has none.
   */
  logger?: Logger;
}

/** Options of `AgentSession.restore`. */
export interface AgentSessionRestoreOptions extends AgentSessionOptions {
  /**
   * Namespace to work in. Default: the one stored with the agent's log. Required when the agent has no
   * stored log yet (restore then starts one, like `create` with a sink).
   */
  namespace?: string;
  /** Database to work in. Default: the one stored with the agent's log, else the manager's database. */
  database?: string;
}
