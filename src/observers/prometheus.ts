import type { Metric, Registry } from "prom-client";
import { missingDependency } from "../errors/MissingDependencyError.js";
import type { Histogram } from "./Histogram.js";
import type { MetricsReading } from "./MetricsFold.js";
import { entriesOf, PROMETHEUS_PREFIX } from "./metricCatalog.js";
import { histogramsOf, type Labels, labelsOf, type Series, seriesOf } from "./metricReading.js";

/**
 * The metrics fold in Prometheus form: every metric of the catalog (`metricCatalog.ts`) whose exporter
 * is Prometheus, in its order. Nothing here counts or names a metric: every value is read from one
 * `MetricsReading` of the fold per scrape (so the numbers of one scrape agree with each other and with
 * `snapshot()` taken at that moment). `prom-client` is an optional package, loaded on the first
 * `prometheus()` call.
 */

/** The part of prom-client's `Registry` this needs; declared here so the types need no prom-client. */
export interface PrometheusRegistry {
  metrics(): Promise<string>;
  registerMetric(metric: unknown): void;
}

export class PrometheusExporter {
  readonly #read: () => MetricsReading;
  /** Registries that already hold this pool's metrics. */
  readonly #bound = new WeakSet<PrometheusRegistry>();
  #ownRegistry: Registry | undefined;
  #reading: MetricsReading | undefined;

  constructor(read: () => MetricsReading) {
    this.#read = read;
  }

  /**
   * The text exposition format. Registers this pool's metrics in `registry` on first use (default: a
   * registry private to this pool, never prom-client's global one). One pool per registry: a second
   * pool's metrics would clash by name.
   */
  async exposition(registry?: PrometheusRegistry): Promise<string> {
    const prom = await import("prom-client").catch((error: unknown) => {
      throw missingDependency(error, "prom-client", "metrics().prometheus()");
    });
    if (!registry && !this.#ownRegistry) this.#ownRegistry = new prom.Registry();
    const target = registry ?? this.#ownRegistry!;
    if (!this.#bound.has(target)) {
      this.#register(prom, target as Registry);
      this.#bound.add(target);
    }
    return target.metrics();
  }

  /**
   * One reading per scrape: `registry.metrics()` starts every metric's collect in one synchronous loop,
   * so a reading kept until the next microtask serves the whole scrape and no later one.
   */
  #current(): MetricsReading {
    if (!this.#reading) {
      this.#reading = this.#read();
      queueMicrotask(() => {
        this.#reading = undefined;
      });
    }
    return this.#reading;
  }

  #register(prom: typeof import("prom-client"), registry: Registry): void {
    const counter = (name: string, help: string, labelNames: string[], series: () => Series) =>
      new prom.Counter({
        name,
        help,
        labelNames,
        registers: [registry],
        collect() {
          // The fold is the truth; rewriting from it also survives a registry.resetMetrics().
          this.reset();
          for (const [labels, value] of series()) this.inc(labels, value);
        },
      });
    const gauge = (name: string, help: string, labelNames: string[], series: () => Series) =>
      new prom.Gauge({
        name,
        help,
        labelNames,
        registers: [registry],
        collect() {
          this.reset();
          for (const [labels, value] of series()) this.set(labels, value);
        },
      });
    for (const entry of entriesOf("prometheus")) {
      const name = PROMETHEUS_PREFIX + entry.name;
      const { reading } = entry;
      if (entry.type === "histogram") {
        registry.registerMetric(
          foldedHistogram(name, entry.help, () => histogramsOf(reading, this.#current())),
        );
      } else {
        const make = entry.type === "counter" ? counter : gauge;
        make(name, entry.help, labelsOf(reading), () => seriesOf(reading, this.#current()));
      }
    }
  }
}

/**
 * A histogram prom-client formats but the fold fills: prom-client's own `Histogram` can only be fed
 * one observation at a time, which would move the cost of every lease onto the hot path. This is the
 * registry's metric contract (`get()` returns name, help, type and the series, as
 * `registry.getMetricsAsJSON()` shows them), with `_bucket` series cumulative as Prometheus expects.
 */
function foldedHistogram(name: string, help: string, series: () => [Labels, Histogram][]): Metric {
  const metric = {
    name,
    help,
    type: "histogram",
    aggregator: "sum",
    async get() {
      const values: { metricName: string; labels: Record<string, string | number>; value: number }[] = [];
      for (const [labels, h] of series()) {
        let cumulative = 0;
        h.bounds.forEach((ms, i) => {
          cumulative += h.counts[i]!;
          values.push({
            metricName: `${name}_bucket`,
            labels: { ...labels, le: ms / 1_000 },
            value: cumulative,
          });
        });
        values.push({ metricName: `${name}_bucket`, labels: { ...labels, le: "+Inf" }, value: h.count });
        values.push({ metricName: `${name}_sum`, labels, value: h.sumMs / 1_000 });
        values.push({ metricName: `${name}_count`, labels, value: h.count });
      }
      return { name, help, type: "histogram", values, aggregator: "sum" };
    },
    /** Nothing to reset: the numbers are the fold's. */
    reset() {},
  };
  return metric as unknown as Metric;
}
