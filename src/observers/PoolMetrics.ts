import type { Observable } from "rxjs";
import { EventBus } from "../events/EventBus.js";
import type { PoolEvent } from "../events/PoolEvent.js";
import type { EndpointMetrics } from "./EndpointMetrics.js";
import { MetricsFold, type MetricsReading } from "./MetricsFold.js";
import { type MetricsSnapshot, reuseRatio } from "./metrics.js";
import { type OtelExport, type OtelMeter, type OtelOptions, otelExport } from "./otel.js";
import { PrometheusExporter, type PrometheusRegistry } from "./prometheus.js";
import { userSessionHitRatio } from "./userMetrics.js";

/**
 * The pool's metrics: ONE running fold (`MetricsFold`) over the pool's events, read by every view. Nothing
 * else writes to it, so `foldMetrics(recordedEvents)` equals `snapshot()`, and the Prometheus text,
 * the OpenTelemetry instruments and the dashboard show the same numbers as the snapshot.
 */
export class PoolMetrics {
  readonly #fold = new MetricsFold();
  readonly #stopFeed: () => void;
  #prometheus: PrometheusExporter | undefined;
  readonly #exports = new Set<OtelExport>();

  /** Folds every event of `source` from now on: the pool's bus (fed directly), or any stream of events. */
  constructor(source: EventBus<PoolEvent> | Observable<PoolEvent>) {
    const fold = this.#fold;
    if (source instanceof EventBus) {
      this.#stopFeed = source.feed((event) => fold.apply(event));
    } else {
      const subscription = source.subscribe({
        next: (event) => fold.apply(event),
        error: () => {}, // a failed stream simply freezes the numbers
      });
      this.#stopFeed = () => subscription.unsubscribe();
    }
  }

  /** A copy of the pool's totals. */
  snapshot(): MetricsSnapshot {
    return this.#fold.snapshot();
  }

  /** The same fold per endpoint URL (a copy); the snapshot's counters and gauges are their sums. */
  byEndpoint(): Record<string, EndpointMetrics> {
    return this.#fold.read().endpoints;
  }

  /** Everything the fold knows, read at one moment (what Prometheus, OpenTelemetry and the dashboard read). */
  read(): MetricsReading {
    return this.#fold.read();
  }

  /** The seed's reuse ratio: reused / (created + reused). */
  reuseRatio(): number {
    return reuseRatio(this.#fold.snapshot());
  }

  /** End users' session cache hit ratio (`manager.as()`): reused / (reused + opened); 0 before any call. */
  userSessionHitRatio(): number {
    return userSessionHitRatio(this.#fold.snapshot());
  }

  /**
   * The Prometheus text exposition format, labelled by endpoint. Needs the optional package
   * `prom-client` (loaded on the first call; a `MissingDependencyError` says so when it is not
   * installed). `registry` defaults to one private to this pool, never prom-client's global registry;
   * pass yours to scrape it with your other metrics, one pool per registry. Names: src/observers/prometheus.ts.
   */
  prometheus(registry?: PrometheusRegistry): Promise<string> {
    this.#prometheus ??= new PrometheusExporter(() => this.#fold.read());
    return this.#prometheus.exposition(registry);
  }

  /**
   * Exposes the fold on an OpenTelemetry meter (from `@opentelemetry/api`'s `metrics.getMeter()`), with
   * the semantic-convention names for connection pools (`db.client.connection.*`), and end users'
   * sessions under this library's own (`surreal_pool.user.sessions.*`). Counters and gauges
   * are observed from the fold at each collection, so they count from the pool's start; histograms are
   * recorded from the moment of this call. `stop()` detaches it.
   */
  otel(meter: OtelMeter, options?: OtelOptions): OtelExport {
    const exported = otelExport(meter, this.#fold, options);
    this.#exports.add(exported);
    return {
      stop: () => {
        this.#exports.delete(exported);
        exported.stop();
      },
    };
  }

  stop(): void {
    this.#stopFeed();
    for (const exported of this.#exports) exported.stop();
    this.#exports.clear();
  }
}
