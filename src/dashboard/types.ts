import type { BreakerStatus } from "../breaker/CircuitBreaker.js";
import type { HealthStatus } from "../observers/healthStatus.js";
import type { MetricsSnapshot } from "../observers/metrics.js";

/**
 * What the dashboard page receives: one `snapshot` when it connects, then a `frame` every interval
 * with what changed. Plain JSON: errors travel as their messages.
 */

/** A connection as the page colours it: the machine state, with `ready` split by the pool's lease. */
export type ConnectionViewState =
  | "connecting"
  | "idle"
  | "leased"
  | "validating"
  | "resetting"
  | "retiring"
  | "closed"
  | "failed";

export interface ConnectionView {
  id: string;
  endpoint: string;
  state: ConnectionViewState;
  /** Leases of this connection seen so far. */
  uses: number;
}

export interface SessionView {
  agentId: string;
  state: "active" | "closing" | "closed" | "failed";
  namespace?: string;
  database?: string;
  /** Leases the agent holds now. */
  leases: number;
  /** Transactions recorded and not yet committed or aborted. */
  pending: number;
  committed: number;
  aborted: number;
  /** Last log position seen, and the last one the sink made durable. */
  lastSeq: number;
  durableSeq: number;
}

export interface LogLine {
  ts: number;
  /** Agent id for session lines; absent for pool lines. */
  agentId?: string;
  type: string;
  text: string;
}

/** The metrics snapshot without its histogram (the page gets wait times per frame instead). */
export type MetricCounters = Omit<MetricsSnapshot, "acquireWaitMs">;

export interface DashboardSnapshot {
  t: number;
  mode: string;
  endpoints: string[];
  health: HealthStatus;
  metrics: MetricCounters;
  connections: ConnectionView[];
  breakers: BreakerStatus[];
  sessions: SessionView[];
  /** Recent session/transaction-log lines and notable pool events, oldest first. */
  sessionLog: LogLine[];
  poolLog: LogLine[];
  /** True once the manager has shut down (its event stream completed). */
  poolClosed: boolean;
  intervalMs: number;
}

export interface DashboardFrame {
  t: number;
  /** Milliseconds since the previous frame. */
  dtMs: number;
  /** Events folded into this frame, and per type. */
  events: number;
  counts: Record<string, number>;
  /** Connections whose view changed, latest state only. */
  connections: ConnectionView[];
  /** Every breaker, when any of them changed. */
  breakers?: BreakerStatus[];
  sessions: SessionView[];
  sessionLog: LogLine[];
  poolLog: LogLine[];
  /** Log lines left out of this frame to keep it small. */
  droppedLog: number;
  /** Acquire waits of this frame's leases. */
  wait: { count: number; sumMs: number; maxMs: number };
  /** Failures in this frame: failed operations and acquires, connects, checks, leaks. */
  errors: number;
  metrics: MetricCounters;
  health: HealthStatus;
  poolClosed: boolean;
}
