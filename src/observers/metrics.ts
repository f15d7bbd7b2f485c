import type { PoolEvent } from "../events/PoolEvent.js";
import { copyHistogram } from "./Histogram.js";
import { MetricsFold } from "./MetricsFold.js";
import type { MetricsSnapshot } from "./MetricsSnapshot.js";
import { copySyncRemotes } from "./syncMetrics.js";

export type { Histogram } from "./Histogram.js";
export { ACQUIRE_WAIT_BUCKETS_MS, histogramQuantile, LATENCY_BUCKETS_MS } from "./Histogram.js";
export type { MetricsSnapshot } from "./MetricsSnapshot.js";
export type { SyncRemoteMetrics } from "./syncMetrics.js";

/** Folds a recorded event stream from scratch. */
export function foldMetrics(events: Iterable<PoolEvent>): MetricsSnapshot {
  const fold = new MetricsFold();
  for (const e of events) fold.apply(e);
  return fold.snapshot();
}

/** A deep copy, so a snapshot handed out never changes under the caller. */
export function copyMetrics(m: MetricsSnapshot): MetricsSnapshot {
  return {
    ...m,
    acquireWaitMs: copyHistogram(m.acquireWaitMs),
    syncRemotes: copySyncRemotes(m.syncRemotes),
    userEvictionsByReason: { ...m.userEvictionsByReason },
  };
}

/** The seed's reuse ratio: reused / (created + reused). */
export function reuseRatio(m: MetricsSnapshot): number {
  const total = m.connectionsCreated + m.connectionsReused;
  return total === 0 ? 0 : m.connectionsReused / total;
}
