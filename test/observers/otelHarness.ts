import {
  AggregationTemporality,
  type DataPoint,
  type Histogram,
  InMemoryMetricExporter,
  MeterProvider,
  type MetricData,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";

/** The OpenTelemetry SDK with its in-memory exporter: collect on demand, read what was exported. */
export function otelHarness() {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  // Exports only when asked (forceFlush); the interval is long enough never to fire in a test.
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ readers: [reader] });
  return {
    meter: provider.getMeter("surreal-pool-test"),
    /** Every metric of one collection, by name. */
    async collect(): Promise<Map<string, MetricData>> {
      exporter.reset();
      await reader.forceFlush();
      const out = new Map<string, MetricData>();
      for (const rm of exporter.getMetrics())
        for (const scope of rm.scopeMetrics) for (const m of scope.metrics) out.set(m.descriptor.name, m);
      return out;
    },
    shutdown: () => provider.shutdown(),
  };
}

/** The sum of a metric's number data points whose attributes include `where`. */
export function sumPoints(metric: MetricData | undefined, where: Record<string, string> = {}): number {
  if (!metric) return Number.NaN;
  return (metric.dataPoints as DataPoint<number | Histogram>[])
    .filter((p) => Object.entries(where).every(([k, v]) => p.attributes[k] === v))
    .reduce((n, p) => n + (typeof p.value === "number" ? p.value : p.value.count), 0);
}

/** A histogram's count and sum over its data points whose attributes include `where`. */
export function histogramTotals(metric: MetricData | undefined, where: Record<string, string> = {}) {
  const points = ((metric?.dataPoints ?? []) as DataPoint<Histogram>[]).filter((p) =>
    Object.entries(where).every(([k, v]) => p.attributes[k] === v),
  );
  return {
    count: points.reduce((n, p) => n + p.value.count, 0),
    sum: points.reduce((n, p) => n + (p.value.sum ?? 0), 0),
    boundaries: points[0]?.value.buckets.boundaries ?? [],
  };
}
