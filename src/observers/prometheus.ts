import type { Metric, Registry } from "prom-client";
import { missingDependency } from "../errors/MissingDependencyError.js";
import type { BreakerState } from "../events/PoolEvent.js";
import type { EndpointMetrics } from "./EndpointMetrics.js";
import type { Histogram } from "./Histogram.js";
import type { MetricsReading } from "./MetricsFold.js";
import type { MetricsSnapshot } from "./metrics.js";

/**
 * The metrics fold in Prometheus form. Nothing here counts: every value is read from one
 * `MetricsReading` of the fold per scrape (so the numbers of one scrape agree with each other and with
 * `snapshot()` taken at that moment). `prom-client` is an optional package, loaded on the first
 * `prometheus()` call.
 */

/** The part of prom-client's `Registry` this needs; declared here so the types need no prom-client. */
export interface PrometheusRegistry {
  metrics(): Promise<string>;
  registerMetric(metric: unknown): void;
}

const PREFIX = "surreal_pool_";
const BREAKER_STATES: readonly BreakerState[] = ["closed", "open", "halfOpen"];

type Value = (m: EndpointMetrics) => number;

/** Counters labelled by endpoint: name (after the `surreal_pool_` prefix), help, value. */
const ENDPOINT_COUNTERS: [string, string, Value][] = [
  ["connections_created_total", "Connections opened.", (m) => m.connectionsCreated],
  ["connections_closed_total", "Open connections closed (retired).", (m) => m.connectionsClosed],
  ["connect_failures_total", "Connects that failed or timed out.", (m) => m.connectFailures],
  ["acquisitions_total", "Leases handed out.", (m) => m.acquisitions],
  ["connections_reused_total", "Leases of a connection leased before.", (m) => m.connectionsReused],
  ["releases_total", "Leases returned.", (m) => m.releases],
  ["leaks_detected_total", "Leases held past leakDetectionThresholdMs.", (m) => m.leaksDetected],
  ["breaker_opens_total", "Times the endpoint's circuit breaker opened.", (m) => m.breakerOpens],
  ["retries_total", "Retries of executeWithRetry calls.", (m) => m.retries],
  ["hedges_total", "Hedged reads that started a second attempt.", (m) => m.hedges],
];

/** Counters labelled by endpoint and one more label for the outcome. */
const ENDPOINT_OUTCOME_COUNTERS: [string, string, string, [string, Value][]][] = [
  [
    "health_checks_total",
    "Pings of idle connections, by result.",
    "result",
    [
      ["passed", (m) => m.healthChecksPassed],
      ["failed", (m) => m.healthChecksFailed],
    ],
  ],
  [
    "resets_total",
    "Session resets after a borrower changed state, by result.",
    "result",
    [
      ["ok", (m) => m.resets],
      ["failed", (m) => m.resetFailures],
    ],
  ],
  [
    "operations_total",
    'executeWithRetry calls, by outcome (endpoint "" when no connection was reached).',
    "outcome",
    [
      ["succeeded", (m) => m.successes],
      ["failed", (m) => m.errors],
    ],
  ],
];

/** Gauges labelled by endpoint. */
const ENDPOINT_GAUGES: [string, string, Value][] = [
  ["connections_open", "Open connections (leased, idle, being checked or closing).", (m) => m.size],
  ["connections_pending", "Connections still connecting.", (m) => m.pending],
  ["connections_in_use", "Leased connections.", (m) => m.inUse],
  ["connections_idle", "Open connections neither leased, checked nor closing.", (m) => m.idle],
  ["connections_checking", "Pings and resets in flight.", (m) => m.checking],
  ["connections_retiring", "Connections closing.", (m) => m.retiring],
];

/** Histograms labelled by endpoint. */
const ENDPOINT_HISTOGRAMS: [string, string, (m: EndpointMetrics) => Histogram][] = [
  ["acquire_wait_seconds", "Time from acquire() to the lease.", (m) => m.acquireWaitMs],
  [
    "lease_held_seconds",
    "Time a connection stayed leased: the borrower's queries plus its own work (a query-latency proxy).",
    (m) => m.leaseHeldMs,
  ],
  [
    "operation_duration_seconds",
    "Duration of executeWithRetry calls, retries included.",
    (m) => m.operationMs,
  ],
  ["connect_duration_seconds", "Time to open a connection (connects that succeeded).", (m) => m.connectMs],
];

/** Pool-wide counters of features above the connections: transactions, sign-ins, live queries. */
const POOL_COUNTERS: [string, string, (m: MetricsSnapshot) => number][] = [
  [
    "transactions_begun_total",
    "Transactions manager.transaction() began (one per attempt).",
    (m) => m.transactionsBegun,
  ],
  [
    "transactions_committed_total",
    "Transactions manager.transaction() committed.",
    (m) => m.transactionsCommitted,
  ],
  [
    "transactions_cancelled_total",
    "Transactions cancelled or dropped uncommitted.",
    (m) => m.transactionsCancelled,
  ],
  [
    "transactions_retried_total",
    "Transaction attempts run again after a transient failure.",
    (m) => m.transactionsRetried,
  ],
  [
    "transactions_abandoned_total",
    "Transactions a borrower left open, cancelled at release.",
    (m) => m.transactionsAbandoned,
  ],
  ["call_timeouts_total", "Calls through a lease that ran past queryTimeoutMs.", (m) => m.callTimeouts],
  [
    "auth_renewals_total",
    "Connections signed in again (expiring, or refused as expired).",
    (m) => m.authRenewals,
  ],
  ["auth_failures_total", "Re-authentications that failed.", (m) => m.authFailures],
  [
    "live_notifications_total",
    "Live notifications handed to subscribers (gaps included).",
    (m) => m.liveNotifications,
  ],
  [
    "live_losses_total",
    "Live queries lost (socket dropped, keepalive missed, endpoint died).",
    (m) => m.liveLosses,
  ],
  ["live_resubscribes_total", "Live queries registered again after a loss.", (m) => m.liveResubscribes],
  ["live_gaps_total", "Gap notifications put in live streams.", (m) => m.liveGaps],
  [
    "live_backfilled_total",
    "Changes read from change feeds and delivered after a loss.",
    (m) => m.liveBackfilled,
  ],
  [
    "live_lease_kills_total",
    "Live queries borrowers left on leases, killed at release.",
    (m) => m.liveLeaseKills,
  ],
];

type Labels = Record<string, string>;
type Series = Iterable<[Labels, number]>;

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

  /** One series per endpoint; the "" pseudo-endpoint (no connection reached) only where it counted. */
  #perEndpoint(value: (m: EndpointMetrics) => number, extra: Labels = {}): Series {
    const out: [Labels, number][] = [];
    for (const [endpoint, m] of Object.entries(this.#current().endpoints)) {
      const v = value(m);
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
    const per = (value: Value) => () => this.#perEndpoint(value);
    for (const [name, help, value] of ENDPOINT_COUNTERS) counter(name, help, ["endpoint"], per(value));
    for (const [name, help, key, outcomes] of ENDPOINT_OUTCOME_COUNTERS) {
      counter(name, help, ["endpoint", key], () =>
        outcomes.flatMap(([outcome, value]) => [...this.#perEndpoint(value, { [key]: outcome })]),
      );
    }
    counter("acquire_failures_total", "Acquires that failed, by reason.", ["reason"], () =>
      Object.entries(this.#current().acquireFailures).map(([reason, n]) => [{ reason }, n]),
    );
    counter("events_total", "Events published on events$, by type.", ["type"], () =>
      Object.entries(this.#current().eventsByType).map(([type, n]) => [{ type }, n]),
    );
    for (const [name, help, value] of ENDPOINT_GAUGES) gauge(name, help, ["endpoint"], per(value));
    gauge("acquires_waiting", "Acquires waiting in the queue.", [], () => [
      [{}, this.#current().snapshot.waiting],
    ]);
    for (const [name, help, value] of POOL_COUNTERS) {
      counter(name, help, [], () => [[{}, value(this.#current().snapshot)]]);
    }
    gauge("live_subscriptions", "manager.live() subscriptions registered and not yet killed.", [], () => [
      [{}, this.#current().snapshot.liveSubscriptions],
    ]);
    gauge("agent_sessions_active", "Agent sessions created and not yet closed.", [], () => [
      [{}, this.#current().snapshot.sessionsActive],
    ]);
    gauge(
      "breaker_state",
      "1 for the breaker's current state, 0 for the others.",
      ["endpoint", "state"],
      () =>
        Object.entries(this.#current().endpoints)
          .filter(([endpoint]) => endpoint !== "")
          .flatMap(([endpoint, m]) =>
            BREAKER_STATES.map((state): [Labels, number] => [{ endpoint, state }, +(m.breaker === state)]),
          ),
    );
    for (const [name, help, pick] of ENDPOINT_HISTOGRAMS) {
      registry.registerMetric(
        foldedHistogram(PREFIX + name, help, () =>
          Object.entries(this.#current().endpoints)
            .filter(([endpoint, m]) => endpoint !== "" || pick(m).count > 0)
            .map(([endpoint, m]): [Labels, Histogram] => [{ endpoint }, pick(m)]),
        ),
      );
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
