import type { ConnectionManager, HealthStatus, MetricsSnapshot } from "../../../src/index.js";
import type { PoolWatch } from "./PoolWatch.js";

/** What every scenario reports, whatever else it measured: enough to check bounds, leaks and metrics. */
export interface LoadReport {
  minConnections: number;
  maxConnections: number;
  /** Highest open + connecting after any event. */
  peakSize: number;
  peakInUse: number;
  /** Health and metrics once the load stopped (before shutdown). */
  end: { health: HealthStatus; metrics: MetricsSnapshot };
  /** Metrics counters gained during the load (end minus the snapshot taken before it). */
  delta: Counters;
  elapsedMs: number;
}

/** The counter fields of a metrics snapshot (gauges and the histogram left out). */
export type Counters = Pick<
  MetricsSnapshot,
  | "connectionsCreated"
  | "connectionsReused"
  | "acquisitions"
  | "retries"
  | "successes"
  | "errors"
  | "healthChecksPassed"
  | "healthChecksFailed"
  | "acquireTimeouts"
  | "acquireAborts"
  | "acquireRejections"
  | "releases"
  | "connectionsClosed"
  | "connectFailures"
  | "resets"
>;

const COUNTERS: (keyof Counters)[] = [
  "connectionsCreated",
  "connectionsReused",
  "acquisitions",
  "retries",
  "successes",
  "errors",
  "healthChecksPassed",
  "healthChecksFailed",
  "acquireTimeouts",
  "acquireAborts",
  "acquireRejections",
  "releases",
  "connectionsClosed",
  "connectFailures",
  "resets",
];

export function countersDelta(before: MetricsSnapshot, after: MetricsSnapshot): Counters {
  return Object.fromEntries(COUNTERS.map((k) => [k, after[k] - before[k]])) as Counters;
}

/** Builds the common part of a report at the end of the load. */
export function reportOf(
  manager: ConnectionManager,
  watch: PoolWatch,
  before: MetricsSnapshot,
  startedAt: number,
): LoadReport {
  const metrics = manager.metrics().snapshot();
  return {
    minConnections: manager.config.pool.minConnections,
    maxConnections: manager.config.pool.maxConnections,
    peakSize: watch.peakSize,
    peakInUse: watch.peakInUse,
    end: { health: manager.healthStatus(), metrics },
    delta: countersDelta(before, metrics),
    elapsedMs: performance.now() - startedAt,
  };
}
