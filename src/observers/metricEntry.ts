import type { MetricReading, MetricType, PoolNumber } from "./metricReading.js";

/**
 * The shape of an entry of the metric catalog, and how a section of it is written. Apart from the
 * catalog itself (`metricCatalog.ts`) so the files that hold some of its entries
 * (`featureMetricCatalog.ts`) can use them without importing the catalog that includes them.
 */

/** Where the dashboard page shows a metric's pool-wide figure. */
export interface DashboardStat {
  /** The element's id on the page, after `stat-`. */
  id: string;
  label: string;
  panel: "pool" | "live" | "users";
  /** Its position in the panel (the table is in exporter order, the page in reading order). */
  at: number;
  /** Shown as "value / total of this field" (in use / open). */
  of?: PoolNumber;
  /** Also shown as a rate per second between two figures, in its own element (id without `stat-`). */
  perSecond?: { id: string; label: string };
  /** Shown as a percentage (a ratio between 0 and 1), rather than as a count. */
  format?: "percent";
}

export interface MetricEntry {
  /** Which exporter shows it under `name`; "dashboard" for a figure only the page shows. */
  exporter: "prometheus" | "otel" | "dashboard";
  /** Prometheus: the family name after `surreal_pool_`; OpenTelemetry: the instrument name. */
  name: string;
  type: MetricType;
  help: string;
  /** UCUM, as OpenTelemetry takes it ("s", "{connection}"); Prometheus names carry their unit instead. */
  unit: string;
  reading: MetricReading;
  /** Also shown on the dashboard page (its figure is the pool-wide total of `reading`'s field). */
  dashboard?: DashboardStat;
}

/** A section of the table: metrics of one type that one exporter shows. */
export function exportedBy(
  exporter: MetricEntry["exporter"],
  type: MetricType,
  entries: Omit<MetricEntry, "exporter" | "type">[],
): MetricEntry[] {
  return entries.map((entry) => ({ exporter, type, ...entry }));
}
