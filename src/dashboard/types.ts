import type { BreakerStatus } from "../core/breaker/CircuitBreaker.js";
import type { HealthStatus } from "../observers/healthStatus.js";
import type { PoolFigures } from "../observers/metricReading.js";

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
  /** Position among all lines of this dashboard, from 1. */
  seq: number;
  ts: number;
  /** Agent id for session lines; absent for pool lines. */
  agentId?: string;
  type: string;
  text: string;
}

/**
 * The metrics snapshot without its histogram (the page gets wait times per frame instead), plus the
 * figures derived from it: `failures` (everything that went wrong, as the page's "errors" figure and
 * chart count it) and `userSessionHitRatio`.
 */
export type MetricCounters = PoolFigures;

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
  /** The `seq` of the last log line included; a frame's lines start after it. */
  lastLine: number;
}

/**
 * What changed since the page's previous frame. The numbers are differences of the metrics fold between
 * the two frames, so a page that adds them up gets the fold's totals; a frame that stands for several
 * intervals (the page could not keep up) says so in `intervals` and spans them in `dtMs`.
 */
export interface DashboardFrame {
  t: number;
  /** Milliseconds since the previous frame this page got. */
  dtMs: number;
  /** Intervals this frame covers: 1, or more when the page's connection could not take every frame. */
  intervals: number;
  /** Pool events folded, leases handed out and failures since the previous frame. */
  events: number;
  acquisitions: number;
  errors: number;
  /** Acquire waits of this frame's leases: how many, their sum, and the p99 bucket's upper bound. */
  wait: { count: number; sumMs: number; p99Ms: number };
  /** Connections whose view changed, latest state only. */
  connections: ConnectionView[];
  /** Every breaker, when any of them changed. */
  breakers?: BreakerStatus[];
  sessions: SessionView[];
  sessionLog: LogLine[];
  poolLog: LogLine[];
  /** Log lines left out of this frame to keep it small. */
  droppedLog: number;
  /** The fold's totals at `t`. */
  metrics: MetricCounters;
  health: HealthStatus;
  poolClosed: boolean;
}
