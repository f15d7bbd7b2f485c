import type { BreakerState } from "../events/PoolEvent.js";
import {
  ACQUIRE_WAIT_BUCKETS_MS,
  copyHistogram,
  emptyHistogram,
  type Histogram,
  LATENCY_BUCKETS_MS,
} from "./Histogram.js";

/**
 * What the metrics fold counts for one endpoint. `MetricsSnapshot`'s fields of the same name are the
 * sums of these over all endpoints. Operations that never reached a connection count under the
 * endpoint "".
 */
export interface EndpointMetrics {
  connectionsCreated: number;
  connectionsReused: number;
  acquisitions: number;
  releases: number;
  /** Open connections closed (retired). */
  connectionsClosed: number;
  connectFailures: number;
  healthChecksPassed: number;
  healthChecksFailed: number;
  resets: number;
  resetFailures: number;
  leaksDetected: number;
  breakerOpens: number;
  /** `executeWithRetry`/`executeHedged` outcomes and retries. */
  successes: number;
  errors: number;
  retries: number;
  hedges: number;
  // --- gauges ---
  /** Open connections (leased, idle, being checked, or closing). */
  size: number;
  /** Connections still connecting. */
  pending: number;
  inUse: number;
  /** Open connections neither leased, nor being checked or reset, nor closing. */
  idle: number;
  /** Pings and resets in flight. */
  checking: number;
  /** Connections closing. */
  retiring: number;
  /** The endpoint's circuit breaker, as its last `breaker.transition` left it. */
  breaker: BreakerState;
  // --- distributions (ms) ---
  /** From acquire() to the lease. */
  acquireWaitMs: Histogram;
  /** From the lease to its release: the borrower's queries plus its own work. */
  leaseHeldMs: Histogram;
  /** `executeWithRetry` calls, retries included. */
  operationMs: Histogram;
  /** Connects that opened a connection. */
  connectMs: Histogram;
}

/** The counters and gauges both an endpoint and the whole pool have; the snapshot's are the sums. */
export const SUMMED_FIELDS = [
  "connectionsCreated",
  "connectionsReused",
  "acquisitions",
  "releases",
  "connectionsClosed",
  "connectFailures",
  "healthChecksPassed",
  "healthChecksFailed",
  "resets",
  "resetFailures",
  "leaksDetected",
  "breakerOpens",
  "successes",
  "errors",
  "retries",
  "hedges",
  "size",
  "pending",
  "inUse",
  "idle",
  "checking",
  "retiring",
] as const satisfies readonly (keyof EndpointMetrics)[];

export function emptyEndpointMetrics(): EndpointMetrics {
  const m = { breaker: "closed" } as EndpointMetrics;
  for (const field of SUMMED_FIELDS) m[field] = 0;
  m.acquireWaitMs = emptyHistogram(ACQUIRE_WAIT_BUCKETS_MS);
  m.leaseHeldMs = emptyHistogram(LATENCY_BUCKETS_MS);
  m.operationMs = emptyHistogram(LATENCY_BUCKETS_MS);
  m.connectMs = emptyHistogram(LATENCY_BUCKETS_MS);
  return m;
}

/** A copy with the derived `idle` gauge filled in, so a reading never changes under its holder. */
export function readEndpointMetrics(m: EndpointMetrics): EndpointMetrics {
  return {
    ...m,
    idle: m.size - m.inUse - m.checking - m.retiring,
    acquireWaitMs: copyHistogram(m.acquireWaitMs),
    leaseHeldMs: copyHistogram(m.leaseHeldMs),
    operationMs: copyHistogram(m.operationMs),
    connectMs: copyHistogram(m.connectMs),
  };
}
