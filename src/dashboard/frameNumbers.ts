import { histogramQuantile, histogramSince } from "../observers/Histogram.js";
import { derivedFigures, failures } from "../observers/metricReading.js";
import type { MetricsSnapshot } from "../observers/metrics.js";
import type { DashboardFrame, MetricCounters } from "./types.js";

/** The snapshot as the page shows it: the counters and gauges, and the figures derived from them. */
export function counters(m: MetricsSnapshot): MetricCounters {
  const { acquireWaitMs: _histogram, ...rest } = m;
  return { ...rest, ...derivedFigures(m) };
}

/** A frame's numbers: what the fold counted between two of its snapshots. */
export function numbersBetween(
  before: MetricsSnapshot,
  now: MetricsSnapshot,
): Pick<DashboardFrame, "events" | "acquisitions" | "errors" | "wait"> {
  const wait = histogramSince(now.acquireWaitMs, before.acquireWaitMs);
  return {
    events: now.events - before.events,
    acquisitions: now.acquisitions - before.acquisitions,
    errors: failures(now) - failures(before),
    wait: { count: wait.count, sumMs: wait.sumMs, p99Ms: histogramQuantile(wait, 0.99) },
  };
}
