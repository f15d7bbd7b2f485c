import { ArgumentError } from "../errors/ArgumentError.js";
import type { MetricsFold, ObservedHistogram } from "./MetricsFold.js";
import { entriesOf, type MetricEntry } from "./metricCatalog.js";
import { type Labels, type MetricReading, seriesOf } from "./metricReading.js";

/**
 * The metrics fold on an OpenTelemetry meter: every metric of the catalog (`metricCatalog.ts`) whose
 * exporter is OpenTelemetry, named there as the semantic conventions name a database client's
 * connection pool (`db.client.connection.*`, semconv 1.45). `@opentelemetry/api` is never
 * imported: the caller's meter is used as given, so the package stays an optional peer dependency
 * and these types are the part of its `Meter` this uses.
 */

type Attributes = Record<string, string | number | boolean>;
/** An asynchronous instrument, as the meter returns it (only handed back to the meter). */
type Observable = object;

export interface OtelInstrumentOptions {
  description?: string;
  unit?: string;
  advice?: { explicitBucketBoundaries?: number[] };
}

export interface OtelBatchResult {
  observe(observable: Observable, value: number, attributes?: Attributes): void;
}

/** The part of `@opentelemetry/api`'s `Meter` this needs. */
export interface OtelMeter {
  createHistogram(
    name: string,
    options?: OtelInstrumentOptions,
  ): { record(value: number, attributes?: Attributes): void };
  createObservableCounter(name: string, options?: OtelInstrumentOptions): Observable;
  createObservableUpDownCounter(name: string, options?: OtelInstrumentOptions): Observable;
  addBatchObservableCallback(callback: (result: OtelBatchResult) => void, observables: Observable[]): void;
  removeBatchObservableCallback(callback: (result: OtelBatchResult) => void, observables: Observable[]): void;
}

export interface OtelOptions {
  /**
   * `db.client.connection.pool.name` on every measurement; unique within the application (give each
   * manager its own). Default "surreal-pool".
   */
  poolName?: string;
}

export interface OtelExport {
  /** Detaches the instruments: no more observations or recordings from this pool. */
  stop(): void;
}

/** Attribute names: the conventions' two, and this library's own for the endpoint URL. */
export const OTEL_ATTRIBUTES = {
  poolName: "db.client.connection.pool.name",
  state: "db.client.connection.state",
  endpoint: "surreal_pool.endpoint",
} as const;

export function otelExport(meter: OtelMeter, fold: MetricsFold, options: OtelOptions = {}): OtelExport {
  validate(meter, options);
  const poolName = options.poolName ?? "surreal-pool";
  const pool: Attributes = { [OTEL_ATTRIBUTES.poolName]: poolName };
  // The instrument's attributes of a series: the pool's name, then the series' labels under the
  // conventions' names (or this library's own for the endpoint); kept per endpoint, allocated once.
  const byEndpoint = new Map<string, Attributes>();
  const attributesOf = (endpoint: string): Attributes => {
    let a = byEndpoint.get(endpoint);
    if (!a) {
      a = { ...pool, [OTEL_ATTRIBUTES.endpoint]: endpoint };
      byEndpoint.set(endpoint, a);
    }
    return a;
  };
  const attributesOfSeries = (labels: Labels): Attributes => {
    const { endpoint, ...rest } = labels;
    const base = endpoint === undefined ? pool : attributesOf(endpoint);
    const keys = Object.keys(rest);
    if (keys.length === 0) return base;
    const a = { ...base };
    for (const key of keys) a[attributeName(key)] = rest[key]!;
    return a;
  };

  const observed: [Observable, MetricReading][] = [];
  const histograms: MetricEntry[] = [];
  for (const entry of entriesOf("otel")) {
    if (entry.type === "histogram") {
      histograms.push(entry);
      continue;
    }
    const options = { description: entry.help, unit: entry.unit };
    const instrument =
      entry.type === "counter"
        ? meter.createObservableCounter(entry.name, options)
        : meter.createObservableUpDownCounter(entry.name, options);
    observed.push([instrument, entry.reading]);
  }
  const observables = observed.map(([instrument]) => instrument);
  // One reading per collection, so the numbers of one export agree with each other.
  const observe = (result: OtelBatchResult) => {
    const reading = fold.read();
    for (const [instrument, source] of observed) {
      for (const [labels, value] of seriesOf(source, reading)) {
        result.observe(instrument, value, attributesOfSeries(labels));
      }
    }
  };
  meter.addBatchObservableCallback(observe, observables);

  const recorders = new Map<ObservedHistogram, (ms: number, endpoint: string) => void>();
  for (const { name, help, unit, reading } of histograms) {
    if (!("histogram" in reading)) continue;
    const histogram = meter.createHistogram(name, {
      description: help,
      unit,
      advice: { explicitBucketBoundaries: reading.bucketsMs.map((ms) => ms / 1_000) },
    });
    recorders.set(reading.histogram, (ms, endpoint) => histogram.record(ms / 1_000, attributesOf(endpoint)));
  }
  const unlisten = fold.listen((source, endpoint, ms) => {
    try {
      recorders.get(source)?.(ms, endpoint);
    } catch {
      // A meter that throws must not break the fold that every other view reads.
    }
  });

  let stopped = false;
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      unlisten();
      meter.removeBatchObservableCallback(observe, observables);
    },
  };
}

/**
 * A series label's attribute name (other than the endpoint's): the conventions' own where they have one,
 * else under this library's namespace as the endpoint's is (`reason` of an eviction: `surreal_pool.reason`).
 */
function attributeName(label: string): string {
  return label === "state" ? OTEL_ATTRIBUTES.state : `surreal_pool.${label}`;
}

function validate(meter: OtelMeter, options: OtelOptions): void {
  const m = meter as unknown as Record<string, unknown> | null | undefined;
  if (typeof m !== "object" || m === null)
    throw new ArgumentError(
      "metrics().otel(meter)",
      'must be an OpenTelemetry Meter, e.g. metrics.getMeter("my-app")',
    );
  const missing = [
    "createHistogram",
    "createObservableCounter",
    "createObservableUpDownCounter",
    "addBatchObservableCallback",
    "removeBatchObservableCallback",
  ].filter((name) => typeof m[name] !== "function");
  if (missing.length > 0)
    throw new ArgumentError(
      "metrics().otel(meter)",
      `is not an OpenTelemetry Meter: it has no ${missing.join(", ")}`,
    );
  if (options.poolName !== undefined && (typeof options.poolName !== "string" || options.poolName === ""))
    throw new ArgumentError("metrics().otel(options).poolName", "must be a non-empty string");
}
