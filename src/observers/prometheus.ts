import type { Metric, Registry } from "prom-client";
import type { Observable, Subscription } from "rxjs";
import type { BreakerState, PoolEvent } from "../events/PoolEvent.js";
import { type Buckets, type EndpointTally, PrometheusFold } from "./prometheusFold.js";

/**
 * The pool's metrics in Prometheus form, as an observer over `events$`.
 *
 * It subscribes once, when the manager is created (a gauge such as "open connections" is only right if
 * it saw every event), and folds each event into plain numbers per endpoint: a few increments, no
 * allocation, so a pool nobody scrapes pays almost nothing. `prom-client` is loaded on the first
 * `prometheus()` call, and its metrics read the fold when a registry collects them.
 */

const PREFIX = "surreal_pool_";
const BREAKER_STATES: readonly BreakerState[] = ["closed", "open", "halfOpen"];

type Value = (t: EndpointTally) => number;

/** Counters labelled by endpoint: name (after the `surreal_pool_` prefix), help, value. */
const ENDPOINT_COUNTERS: [string, string, Value][] = [
  ["connections_created_total", "Connections opened.", (t) => t.created],
  ["connections_closed_total", "Open connections closed (retired).", (t) => t.closed],
  ["connect_failures_total", "Connects that failed or timed out.", (t) => t.connectFailures],
  ["acquisitions_total", "Leases handed out.", (t) => t.acquisitions],
  ["connections_reused_total", "Leases of a connection leased before.", (t) => t.reused],
  ["releases_total", "Leases returned.", (t) => t.releases],
  ["leaks_detected_total", "Leases held past leakDetectionThresholdMs.", (t) => t.leaks],
  ["breaker_opens_total", "Times the endpoint's circuit breaker opened.", (t) => t.breakerOpens],
  ["retries_total", "Retries of executeWithRetry calls.", (t) => t.retries],
  ["hedges_total", "Hedged reads that started a second attempt.", (t) => t.hedges],
];

/** Counters labelled by endpoint and one more label for the outcome. */
const ENDPOINT_OUTCOME_COUNTERS: [string, string, string, [string, Value][]][] = [
  [
    "health_checks_total",
    "Pings of idle connections, by result.",
    "result",
    [
      ["passed", (t) => t.healthPassed],
      ["failed", (t) => t.healthFailed],
    ],
  ],
  [
    "resets_total",
    "Session resets after a borrower changed state, by result.",
    "result",
    [
      ["ok", (t) => t.resets],
      ["failed", (t) => t.resetFailures],
    ],
  ],
  [
    "operations_total",
    'executeWithRetry calls, by outcome (endpoint "" when no connection was reached).',
    "outcome",
    [
      ["succeeded", (t) => t.succeeded],
      ["failed", (t) => t.failed],
    ],
  ],
];

/** Gauges labelled by endpoint. */
const ENDPOINT_GAUGES: [string, string, Value][] = [
  ["connections_open", "Open connections (leased, idle, being checked or closing).", (t) => t.open],
  ["connections_pending", "Connections still connecting.", (t) => t.pending],
  ["connections_in_use", "Leased connections.", (t) => t.inUse],
  [
    "connections_idle",
    "Open connections neither leased, checked nor closing.",
    (t) => t.open - t.inUse - t.checking - t.retiring,
  ],
  ["connections_checking", "Pings and resets in flight.", (t) => t.checking],
  ["connections_retiring", "Connections closing.", (t) => t.retiring],
];

type Labels = Record<string, string>;
type Series = Iterable<[Labels, number]>;

export class PrometheusObserver {
  readonly #fold = new PrometheusFold();
  readonly #subscription: Subscription;
  /** Registries that already hold this pool's metrics. */
  readonly #bound = new WeakSet<Registry>();
  #ownRegistry: Registry | undefined;

  constructor(events$: Observable<PoolEvent>) {
    this.#subscription = events$.subscribe({
      next: (event) => this.#fold.apply(event),
      error: () => {}, // the bus never errors; a completed bus freezes the numbers
    });
  }

  /**
   * The text exposition format. Registers this pool's metrics in `registry` on first use (default: a
   * registry private to this pool, never prom-client's global one). One pool per registry: a second
   * pool's metrics would clash by name.
   */
  async exposition(registry?: Registry): Promise<string> {
    const prom = await import("prom-client");
    if (!registry && !this.#ownRegistry) this.#ownRegistry = new prom.Registry();
    const target = registry ?? this.#ownRegistry!;
    if (!this.#bound.has(target)) {
      this.#register(prom, target);
      this.#bound.add(target);
    }
    return target.metrics();
  }

  stop(): void {
    this.#subscription.unsubscribe();
  }

  /** One series per endpoint; the "" pseudo-endpoint (no connection reached) only where it counted. */
  #perEndpoint(value: (t: EndpointTally) => number, extra: Labels = {}): Series {
    const out: [Labels, number][] = [];
    for (const [endpoint, t] of this.#fold.endpoints) {
      const v = value(t);
      if (endpoint !== "" || v !== 0) out.push([{ endpoint, ...extra }, v]);
    }
    return out;
  }

  #register(prom: typeof import("prom-client"), registry: Registry): void {
    const counter = (name: string, help: string, labelNames: string[], series: () => Series) =>
      new prom.Counter({
        name: PREFIX + name,
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
        name: PREFIX + name,
        help,
        labelNames,
        registers: [registry],
        collect() {
          this.reset();
          for (const [labels, value] of series()) this.set(labels, value);
        },
      });
    const per = (value: (t: EndpointTally) => number) => () => this.#perEndpoint(value);
    for (const [name, help, value] of ENDPOINT_COUNTERS) counter(name, help, ["endpoint"], per(value));
    for (const [name, help, key, outcomes] of ENDPOINT_OUTCOME_COUNTERS) {
      counter(name, help, ["endpoint", key], () =>
        outcomes.flatMap(([outcome, value]) => [...this.#perEndpoint(value, { [key]: outcome })]),
      );
    }
    counter("acquire_failures_total", "Acquires that failed, by reason.", ["reason"], () =>
      [...this.#fold.acquireFailures].map(([reason, n]) => [{ reason }, n]),
    );
    counter("events_total", "Events published on events$, by type.", ["type"], () =>
      [...this.#fold.events].map(([type, n]) => [{ type }, n]),
    );
    for (const [name, help, value] of ENDPOINT_GAUGES) gauge(name, help, ["endpoint"], per(value));
    gauge("acquires_waiting", "Acquires waiting in the queue.", [], () => [[{}, this.#fold.waiting]]);
    gauge("agent_sessions_active", "Agent sessions created and not yet closed.", [], () => [
      [{}, this.#fold.sessions],
    ]);
    gauge(
      "breaker_state",
      "1 for the breaker's current state, 0 for the others.",
      ["endpoint", "state"],
      () =>
        [...this.#fold.endpoints]
          .filter(([endpoint]) => endpoint !== "")
          .flatMap(([endpoint, t]) =>
            BREAKER_STATES.map((state): [Labels, number] => [{ endpoint, state }, +(t.breaker === state)]),
          ),
    );

    const histogram = (name: string, help: string, pick: (t: EndpointTally) => Buckets) =>
      registry.registerMetric(
        foldedHistogram(PREFIX + name, help, () =>
          [...this.#fold.endpoints]
            .filter(([endpoint, t]) => endpoint !== "" || pick(t).count > 0)
            .map(([endpoint, t]): [Labels, Buckets] => [{ endpoint }, pick(t)]),
        ),
      );
    histogram("acquire_wait_seconds", "Time from acquire() to the lease.", (t) => t.acquireWait);
    histogram(
      "lease_held_seconds",
      "Time a connection stayed leased: the borrower's queries plus its own work (a query-latency proxy).",
      (t) => t.leaseHeld,
    );
    histogram(
      "operation_duration_seconds",
      "Duration of executeWithRetry calls, retries included.",
      (t) => t.operations,
    );
  }
}

/**
 * A histogram prom-client formats but the fold fills: prom-client's own `Histogram` can only be fed
 * one observation at a time, which would move the cost of every lease onto the hot path. This is the
 * registry's metric contract (`get()` returns name, help, type and the series, as
 * `registry.getMetricsAsJSON()` shows them), with `_bucket` series cumulative as Prometheus expects.
 */
function foldedHistogram(name: string, help: string, series: () => [Labels, Buckets][]): Metric {
  const metric = {
    name,
    help,
    type: "histogram",
    aggregator: "sum",
    async get() {
      const values: { metricName: string; labels: Record<string, string | number>; value: number }[] = [];
      for (const [labels, b] of series()) {
        let cumulative = 0;
        b.bounds.forEach((ms, i) => {
          cumulative += b.counts[i]!;
          values.push({
            metricName: `${name}_bucket`,
            labels: { ...labels, le: ms / 1_000 },
            value: cumulative,
          });
        });
        values.push({ metricName: `${name}_bucket`, labels: { ...labels, le: "+Inf" }, value: b.count });
        values.push({ metricName: `${name}_sum`, labels, value: b.sumMs / 1_000 });
        values.push({ metricName: `${name}_count`, labels, value: b.count });
      }
      return { name, help, type: "histogram", values, aggregator: "sum" };
    },
    /** Nothing to reset: the numbers are the fold's. */
    reset() {},
  };
  return metric as unknown as Metric;
}
