import { ArgumentError } from "../errors/ArgumentError.js";
import type { EndpointMetrics } from "./EndpointMetrics.js";
import { ACQUIRE_WAIT_BUCKETS_MS, LATENCY_BUCKETS_MS } from "./Histogram.js";
import type { MetricsFold, ObservedHistogram } from "./MetricsFold.js";

/**
 * The metrics fold on an OpenTelemetry meter, named as the semantic conventions name a database
 * client's connection pool (`db.client.connection.*`, semconv 1.45). `@opentelemetry/api` is never
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

/** Histograms: semconv name, description, the fold's histogram behind it and its bucket bounds (ms). */
const HISTOGRAMS: [string, string, ObservedHistogram, readonly number[]][] = [
  [
    "db.client.connection.create_time",
    "The time it took to create a new connection.",
    "connectMs",
    LATENCY_BUCKETS_MS,
  ],
  [
    "db.client.connection.wait_time",
    "The time it took to obtain an open connection from the pool.",
    "acquireWaitMs",
    ACQUIRE_WAIT_BUCKETS_MS,
  ],
  [
    "db.client.connection.use_time",
    "The time between borrowing a connection and returning it to the pool.",
    "leaseHeldMs",
    LATENCY_BUCKETS_MS,
  ],
];

export function otelExport(meter: OtelMeter, fold: MetricsFold, options: OtelOptions = {}): OtelExport {
  validate(meter, options);
  const poolName = options.poolName ?? "surreal-pool";
  const pool: Attributes = { [OTEL_ATTRIBUTES.poolName]: poolName };
  const upDown = (name: string, description: string, unit = "{connection}") =>
    meter.createObservableUpDownCounter(name, { description, unit });
  const count = upDown(
    "db.client.connection.count",
    "The number of connections that are currently in state described by the state attribute (used: leased, being checked or closing).",
  );
  const idleMax = upDown(
    "db.client.connection.idle.max",
    "The maximum number of idle open connections allowed.",
  );
  const idleMin = upDown(
    "db.client.connection.idle.min",
    "The minimum number of idle open connections allowed.",
  );
  const limit = upDown("db.client.connection.limit", "The maximum number of open connections allowed.");
  const max = upDown(
    "db.client.connection.max",
    "The deprecated name of db.client.connection.limit, for dashboards built on older conventions.",
  );
  const pending = upDown(
    "db.client.connection.pending_requests",
    "The number of current pending requests for an open connection.",
    "{request}",
  );
  const timeouts = meter.createObservableCounter("db.client.connection.timeouts", {
    description:
      "The number of connection timeouts that have occurred trying to obtain a connection from the pool.",
    unit: "{timeout}",
  });
  const observables = [count, idleMax, idleMin, limit, max, pending, timeouts];

  const byEndpoint = new Map<string, Attributes>();
  const attributesOf = (endpoint: string): Attributes => {
    let a = byEndpoint.get(endpoint);
    if (!a) {
      a = { ...pool, [OTEL_ATTRIBUTES.endpoint]: endpoint };
      byEndpoint.set(endpoint, a);
    }
    return a;
  };
  // One reading per collection, so the numbers of one export agree with each other.
  const observe = (result: OtelBatchResult) => {
    const reading = fold.read();
    for (const [endpoint, m] of Object.entries(reading.endpoints)) {
      if (endpoint === "") continue; // operations that reached no connection hold no connections
      const a = attributesOf(endpoint);
      result.observe(count, m.idle, { ...a, [OTEL_ATTRIBUTES.state]: "idle" });
      result.observe(count, used(m), { ...a, [OTEL_ATTRIBUTES.state]: "used" });
    }
    if (reading.limits) {
      result.observe(idleMax, reading.limits.maxConnections, pool);
      result.observe(idleMin, reading.limits.minConnections, pool);
      result.observe(limit, reading.limits.maxConnections, pool);
      result.observe(max, reading.limits.maxConnections, pool);
    }
    result.observe(pending, reading.snapshot.waiting, pool);
    result.observe(timeouts, reading.snapshot.acquireTimeouts, pool);
  };
  meter.addBatchObservableCallback(observe, observables);

  const recorders = new Map<ObservedHistogram, (ms: number, endpoint: string) => void>();
  for (const [name, description, source, bounds] of HISTOGRAMS) {
    const histogram = meter.createHistogram(name, {
      description,
      unit: "s",
      advice: { explicitBucketBoundaries: bounds.map((ms) => ms / 1_000) },
    });
    recorders.set(source, (ms, endpoint) => histogram.record(ms / 1_000, attributesOf(endpoint)));
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

/** Connections not idle: leased, being checked or reset, or closing (semconv has only idle and used). */
function used(m: EndpointMetrics): number {
  return m.size - m.idle;
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
