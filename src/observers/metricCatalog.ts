import type { BreakerState } from "../events/PoolEvent.js";
import type { EndpointMetrics } from "./EndpointMetrics.js";
import { ACQUIRE_WAIT_BUCKETS_MS, type Histogram, LATENCY_BUCKETS_MS } from "./Histogram.js";
import type { MetricsReading, ObservedHistogram } from "./MetricsFold.js";
import type { MetricsSnapshot } from "./MetricsSnapshot.js";

/**
 * Every metric the pool exports, in one table: its name where it is shown, its type, help text, unit,
 * and the reading of the metrics fold it comes from. Prometheus (`prometheus.ts`), OpenTelemetry
 * (`otel.ts`) and the dashboard page read this table and name nothing themselves; the fold counts, by
 * event type, the fields the readings here pick. A new metric is one entry here.
 */

export type MetricType = "counter" | "gauge" | "histogram";
export type Labels = Readonly<Record<string, string>>;
export type Series = [Labels, number][];

/** The numbers an endpoint has (its counters and gauges). */
type EndpointNumber = {
  [K in keyof EndpointMetrics]: EndpointMetrics[K] extends number ? K : never;
}[keyof EndpointMetrics];
/** The numbers of the pool's totals, plus `failures` (a figure derived from them, below). */
export type PoolFigures = Omit<MetricsSnapshot, "acquireWaitMs"> & { failures: number };
type PoolNumber = { [K in keyof PoolFigures]: PoolFigures[K] extends number ? K : never }[keyof PoolFigures];

/** The reading of the fold a metric comes from. */
export type MetricReading =
  /** An endpoint's number, one series per endpoint; the pool's total is the snapshot's field of that name. */
  | { scope: "endpoint"; field: EndpointNumber }
  /** Several of an endpoint's numbers as one metric, told apart by `label` (e.g. passed/failed). */
  | { scope: "endpoint"; label: string; split: Readonly<Record<string, EndpointNumber>> }
  /** An endpoint's histogram (ms), one series per endpoint. */
  | { scope: "endpoint"; histogram: ObservedHistogram; bucketsMs: readonly number[] }
  /** A number of the pool as a whole. */
  | { scope: "pool"; field: PoolNumber }
  /** A count of the pool per key of one of the reading's tallies, the key as `label`. */
  | { scope: "pool"; label: string; tally: "acquireFailures" | "eventsByType" }
  /** Anything else, as series of the reading (labels named in `labels`). */
  | { scope: "derived"; labels: readonly string[]; series: (r: MetricsReading) => Series };

/** Where the dashboard page shows a metric's pool-wide figure. */
export interface DashboardStat {
  /** The element's id on the page, after `stat-`. */
  id: string;
  label: string;
  panel: "pool" | "live";
  /** Its position in the panel (the table is in exporter order, the page in reading order). */
  at: number;
  /** Shown as "value / total of this field" (in use / open). */
  of?: PoolNumber;
  /** Also shown as a rate per second between two figures, in its own element (id without `stat-`). */
  perSecond?: { id: string; label: string };
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

/** The prefix of every Prometheus family name. */
export const PROMETHEUS_PREFIX = "surreal_pool_";

const endpoint = (field: EndpointNumber): MetricReading => ({ scope: "endpoint", field });
const pool = (field: PoolNumber): MetricReading => ({ scope: "pool", field });
const histogram = (h: ObservedHistogram, bucketsMs: readonly number[]): MetricReading => ({
  scope: "endpoint",
  histogram: h,
  bucketsMs,
});
const BREAKER_STATES: readonly BreakerState[] = ["closed", "open", "halfOpen"];

/** Everything that went wrong, as one figure: failed operations and acquires, connects, checks, leaks. */
export function failures(m: MetricsSnapshot): number {
  return (
    m.errors +
    m.acquireTimeouts +
    m.acquireAborts +
    m.acquireRejections +
    m.connectFailures +
    m.healthChecksFailed +
    m.resetFailures +
    m.leaksDetected
  );
}

/** The table. Prometheus and OpenTelemetry register their entries in this order. */
export const METRIC_CATALOG: readonly MetricEntry[] = [
  // --- Prometheus: counters per endpoint ---
  {
    exporter: "prometheus",
    name: "connections_created_total",
    type: "counter",
    help: "Connections opened.",
    unit: "{connection}",
    reading: endpoint("connectionsCreated"),
    dashboard: { id: "created", label: "connections created", panel: "pool", at: 5 },
  },
  {
    exporter: "prometheus",
    name: "connections_closed_total",
    type: "counter",
    help: "Open connections closed (retired).",
    unit: "{connection}",
    reading: endpoint("connectionsClosed"),
  },
  {
    exporter: "prometheus",
    name: "connect_failures_total",
    type: "counter",
    help: "Connects that failed or timed out.",
    unit: "{connect}",
    reading: endpoint("connectFailures"),
  },
  {
    exporter: "prometheus",
    name: "acquisitions_total",
    type: "counter",
    help: "Leases handed out.",
    unit: "{lease}",
    reading: endpoint("acquisitions"),
    dashboard: { id: "acquisitions", label: "acquisitions", panel: "pool", at: 0 },
  },
  {
    exporter: "prometheus",
    name: "connections_reused_total",
    type: "counter",
    help: "Leases of a connection leased before.",
    unit: "{lease}",
    reading: endpoint("connectionsReused"),
    dashboard: { id: "reused", label: "reuses", panel: "pool", at: 6 },
  },
  {
    exporter: "prometheus",
    name: "releases_total",
    type: "counter",
    help: "Leases returned.",
    unit: "{lease}",
    reading: endpoint("releases"),
    dashboard: { id: "releases", label: "releases", panel: "pool", at: 1 },
  },
  {
    exporter: "prometheus",
    name: "leaks_detected_total",
    type: "counter",
    help: "Leases held past leakDetectionThresholdMs.",
    unit: "{lease}",
    reading: endpoint("leaksDetected"),
  },
  {
    exporter: "prometheus",
    name: "breaker_opens_total",
    type: "counter",
    help: "Times the endpoint's circuit breaker opened.",
    unit: "{transition}",
    reading: endpoint("breakerOpens"),
    dashboard: { id: "breaker-opens", label: "breaker opens", panel: "pool", at: 10 },
  },
  {
    exporter: "prometheus",
    name: "retries_total",
    type: "counter",
    help: "Retries of executeWithRetry calls.",
    unit: "{retry}",
    reading: endpoint("retries"),
    dashboard: { id: "retries", label: "retries", panel: "pool", at: 9 },
  },
  {
    exporter: "prometheus",
    name: "hedges_total",
    type: "counter",
    help: "Hedged reads that started a second attempt.",
    unit: "{attempt}",
    reading: endpoint("hedges"),
  },
  // --- Prometheus: counters per endpoint and outcome ---
  {
    exporter: "prometheus",
    name: "health_checks_total",
    type: "counter",
    help: "Pings of idle connections, by result.",
    unit: "{check}",
    reading: {
      scope: "endpoint",
      label: "result",
      split: { passed: "healthChecksPassed", failed: "healthChecksFailed" },
    },
  },
  {
    exporter: "prometheus",
    name: "resets_total",
    type: "counter",
    help: "Session resets after a borrower changed state, by result.",
    unit: "{reset}",
    reading: { scope: "endpoint", label: "result", split: { ok: "resets", failed: "resetFailures" } },
  },
  {
    exporter: "prometheus",
    name: "operations_total",
    type: "counter",
    help: 'executeWithRetry calls, by outcome (endpoint "" when no connection was reached).',
    unit: "{operation}",
    reading: { scope: "endpoint", label: "outcome", split: { succeeded: "successes", failed: "errors" } },
  },
  // --- Prometheus: pool counters by key ---
  {
    exporter: "prometheus",
    name: "acquire_failures_total",
    type: "counter",
    help: "Acquires that failed, by reason.",
    unit: "{acquire}",
    reading: { scope: "pool", label: "reason", tally: "acquireFailures" },
  },
  {
    exporter: "prometheus",
    name: "events_total",
    type: "counter",
    help: "Events published on events$, by type.",
    unit: "{event}",
    reading: { scope: "pool", label: "type", tally: "eventsByType" },
  },
  // --- Prometheus: gauges per endpoint ---
  {
    exporter: "prometheus",
    name: "connections_open",
    type: "gauge",
    help: "Open connections (leased, idle, being checked or closing).",
    unit: "{connection}",
    reading: endpoint("size"),
  },
  {
    exporter: "prometheus",
    name: "connections_pending",
    type: "gauge",
    help: "Connections still connecting.",
    unit: "{connection}",
    reading: endpoint("pending"),
  },
  {
    exporter: "prometheus",
    name: "connections_in_use",
    type: "gauge",
    help: "Leased connections.",
    unit: "{connection}",
    reading: endpoint("inUse"),
    dashboard: { id: "inuse", label: "in use / open", panel: "pool", at: 2, of: "size" },
  },
  {
    exporter: "prometheus",
    name: "connections_idle",
    type: "gauge",
    help: "Open connections neither leased, checked nor closing.",
    unit: "{connection}",
    reading: endpoint("idle"),
    dashboard: { id: "idle", label: "idle", panel: "pool", at: 3 },
  },
  {
    exporter: "prometheus",
    name: "connections_checking",
    type: "gauge",
    help: "Pings and resets in flight.",
    unit: "{connection}",
    reading: endpoint("checking"),
  },
  {
    exporter: "prometheus",
    name: "connections_retiring",
    type: "gauge",
    help: "Connections closing.",
    unit: "{connection}",
    reading: endpoint("retiring"),
  },
  {
    exporter: "prometheus",
    name: "acquires_waiting",
    type: "gauge",
    help: "Acquires waiting in the queue.",
    unit: "{acquire}",
    reading: pool("waiting"),
    dashboard: { id: "waiting", label: "waiting", panel: "pool", at: 4 },
  },
  // --- Prometheus: pool counters of features above the connections ---
  {
    exporter: "prometheus",
    name: "transactions_begun_total",
    type: "counter",
    help: "Transactions manager.transaction() began (one per attempt).",
    unit: "{transaction}",
    reading: pool("transactionsBegun"),
  },
  {
    exporter: "prometheus",
    name: "transactions_committed_total",
    type: "counter",
    help: "Transactions manager.transaction() committed.",
    unit: "{transaction}",
    reading: pool("transactionsCommitted"),
  },
  {
    exporter: "prometheus",
    name: "transactions_cancelled_total",
    type: "counter",
    help: "Transactions cancelled or dropped uncommitted.",
    unit: "{transaction}",
    reading: pool("transactionsCancelled"),
  },
  {
    exporter: "prometheus",
    name: "transactions_retried_total",
    type: "counter",
    help: "Transaction attempts run again after a transient failure.",
    unit: "{transaction}",
    reading: pool("transactionsRetried"),
  },
  {
    exporter: "prometheus",
    name: "transactions_abandoned_total",
    type: "counter",
    help: "Transactions a borrower left open, cancelled at release.",
    unit: "{transaction}",
    reading: pool("transactionsAbandoned"),
  },
  {
    exporter: "prometheus",
    name: "call_timeouts_total",
    type: "counter",
    help: "Calls through a lease that ran past queryTimeoutMs.",
    unit: "{call}",
    reading: pool("callTimeouts"),
  },
  {
    exporter: "prometheus",
    name: "auth_renewals_total",
    type: "counter",
    help: "Connections signed in again (expiring, or refused as expired).",
    unit: "{renewal}",
    reading: pool("authRenewals"),
  },
  {
    exporter: "prometheus",
    name: "auth_failures_total",
    type: "counter",
    help: "Re-authentications that failed.",
    unit: "{renewal}",
    reading: pool("authFailures"),
  },
  {
    exporter: "prometheus",
    name: "live_notifications_total",
    type: "counter",
    help: "Live notifications handed to subscribers (gaps included).",
    unit: "{notification}",
    reading: pool("liveNotifications"),
    dashboard: {
      id: "live-notifications",
      label: "notifications",
      panel: "live",
      at: 1,
      perSecond: { id: "live-rate", label: "notifications / s" },
    },
  },
  {
    exporter: "prometheus",
    name: "live_losses_total",
    type: "counter",
    help: "Live queries lost (socket dropped, keepalive missed, endpoint died).",
    unit: "{subscription}",
    reading: pool("liveLosses"),
  },
  {
    exporter: "prometheus",
    name: "live_resubscribes_total",
    type: "counter",
    help: "Live queries registered again after a loss.",
    unit: "{subscription}",
    reading: pool("liveResubscribes"),
    dashboard: { id: "live-resubscribes", label: "resubscribes", panel: "live", at: 2 },
  },
  {
    exporter: "prometheus",
    name: "live_gaps_total",
    type: "counter",
    help: "Gap notifications put in live streams.",
    unit: "{notification}",
    reading: pool("liveGaps"),
    dashboard: { id: "live-gaps", label: "gaps", panel: "live", at: 3 },
  },
  {
    exporter: "prometheus",
    name: "live_backfilled_total",
    type: "counter",
    help: "Changes read from change feeds and delivered after a loss.",
    unit: "{change}",
    reading: pool("liveBackfilled"),
    dashboard: { id: "live-backfilled", label: "back-filled", panel: "live", at: 4 },
  },
  {
    exporter: "prometheus",
    name: "live_lease_kills_total",
    type: "counter",
    help: "Live queries borrowers left on leases, killed at release.",
    unit: "{subscription}",
    reading: pool("liveLeaseKills"),
    dashboard: { id: "live-lease-kills", label: "lease live queries killed", panel: "live", at: 5 },
  },
  // --- Prometheus: pool gauges ---
  {
    exporter: "prometheus",
    name: "live_subscriptions",
    type: "gauge",
    help: "manager.live() subscriptions registered and not yet killed.",
    unit: "{subscription}",
    reading: pool("liveSubscriptions"),
    dashboard: { id: "live-subscriptions", label: "subscriptions", panel: "live", at: 0 },
  },
  {
    exporter: "prometheus",
    name: "agent_sessions_active",
    type: "gauge",
    help: "Agent sessions created and not yet closed.",
    unit: "{session}",
    reading: pool("sessionsActive"),
  },
  {
    exporter: "prometheus",
    name: "breaker_state",
    type: "gauge",
    help: "1 for the breaker's current state, 0 for the others.",
    unit: "1",
    reading: {
      scope: "derived",
      labels: ["endpoint", "state"],
      series: (r) =>
        Object.entries(r.endpoints)
          .filter(([endpoint]) => endpoint !== "")
          .flatMap(([endpoint, m]) =>
            BREAKER_STATES.map((state): [Labels, number] => [{ endpoint, state }, +(m.breaker === state)]),
          ),
    },
  },
  // --- Prometheus: histograms per endpoint ---
  {
    exporter: "prometheus",
    name: "acquire_wait_seconds",
    type: "histogram",
    help: "Time from acquire() to the lease.",
    unit: "s",
    reading: histogram("acquireWaitMs", ACQUIRE_WAIT_BUCKETS_MS),
  },
  {
    exporter: "prometheus",
    name: "lease_held_seconds",
    type: "histogram",
    help: "Time a connection stayed leased: the borrower's queries plus its own work (a query-latency proxy).",
    unit: "s",
    reading: histogram("leaseHeldMs", LATENCY_BUCKETS_MS),
  },
  {
    exporter: "prometheus",
    name: "operation_duration_seconds",
    type: "histogram",
    help: "Duration of executeWithRetry calls, retries included.",
    unit: "s",
    reading: histogram("operationMs", LATENCY_BUCKETS_MS),
  },
  {
    exporter: "prometheus",
    name: "connect_duration_seconds",
    type: "histogram",
    help: "Time to open a connection (connects that succeeded).",
    unit: "s",
    reading: histogram("connectMs", LATENCY_BUCKETS_MS),
  },
  // --- OpenTelemetry: the semantic conventions of a database client's connection pool (semconv 1.45) ---
  {
    exporter: "otel",
    name: "db.client.connection.count",
    type: "gauge",
    help: "The number of connections that are currently in state described by the state attribute (used: leased, being checked or closing).",
    unit: "{connection}",
    reading: {
      scope: "derived",
      labels: ["endpoint", "state"],
      // Operations that reached no connection (endpoint "") hold no connections. Semconv has only idle
      // and used: used is leased, being checked or reset, or closing.
      series: (r) =>
        Object.entries(r.endpoints)
          .filter(([endpoint]) => endpoint !== "")
          .flatMap(
            ([endpoint, m]): Series => [
              [{ endpoint, state: "idle" }, m.idle],
              [{ endpoint, state: "used" }, m.size - m.idle],
            ],
          ),
    },
  },
  {
    exporter: "otel",
    name: "db.client.connection.idle.max",
    type: "gauge",
    help: "The maximum number of idle open connections allowed.",
    unit: "{connection}",
    reading: limit("maxConnections"),
  },
  {
    exporter: "otel",
    name: "db.client.connection.idle.min",
    type: "gauge",
    help: "The minimum number of idle open connections allowed.",
    unit: "{connection}",
    reading: limit("minConnections"),
  },
  {
    exporter: "otel",
    name: "db.client.connection.limit",
    type: "gauge",
    help: "The maximum number of open connections allowed.",
    unit: "{connection}",
    reading: limit("maxConnections"),
  },
  {
    exporter: "otel",
    name: "db.client.connection.max",
    type: "gauge",
    help: "The deprecated name of db.client.connection.limit, for dashboards built on older conventions.",
    unit: "{connection}",
    reading: limit("maxConnections"),
  },
  {
    exporter: "otel",
    name: "db.client.connection.pending_requests",
    type: "gauge",
    help: "The number of current pending requests for an open connection.",
    unit: "{request}",
    reading: pool("waiting"),
  },
  {
    exporter: "otel",
    name: "db.client.connection.timeouts",
    type: "counter",
    help: "The number of connection timeouts that have occurred trying to obtain a connection from the pool.",
    unit: "{timeout}",
    reading: pool("acquireTimeouts"),
  },
  {
    exporter: "otel",
    name: "db.client.connection.create_time",
    type: "histogram",
    help: "The time it took to create a new connection.",
    unit: "s",
    reading: histogram("connectMs", LATENCY_BUCKETS_MS),
  },
  {
    exporter: "otel",
    name: "db.client.connection.wait_time",
    type: "histogram",
    help: "The time it took to obtain an open connection from the pool.",
    unit: "s",
    reading: histogram("acquireWaitMs", ACQUIRE_WAIT_BUCKETS_MS),
  },
  {
    exporter: "otel",
    name: "db.client.connection.use_time",
    type: "histogram",
    help: "The time between borrowing a connection and returning it to the pool.",
    unit: "s",
    reading: histogram("leaseHeldMs", LATENCY_BUCKETS_MS),
  },
  // --- the dashboard page only ---
  {
    exporter: "dashboard",
    name: "failures",
    type: "counter",
    help: "Everything that went wrong: failed operations and acquires, connects, checks, leaks.",
    unit: "{failure}",
    reading: pool("failures"),
    dashboard: { id: "errors", label: "errors", panel: "pool", at: 8 },
  },
  {
    exporter: "dashboard",
    name: "successes",
    type: "counter",
    help: "executeWithRetry calls that succeeded.",
    unit: "{operation}",
    reading: pool("successes"),
    dashboard: { id: "successes", label: "operations ok", panel: "pool", at: 7 },
  },
];

/** One of the pool's configured bounds, once `pool.started` told them. */
function limit(bound: "minConnections" | "maxConnections"): MetricReading {
  return { scope: "derived", labels: [], series: (r) => (r.limits ? [[{}, r.limits[bound]]] : []) };
}

/** The label names of a reading's series. */
export function labelsOf(reading: MetricReading): string[] {
  if (reading.scope === "derived") return [...reading.labels];
  if (reading.scope === "pool") return "tally" in reading ? [reading.label] : [];
  return "split" in reading ? ["endpoint", reading.label] : ["endpoint"];
}

/**
 * A counter's or gauge's series in one reading. Per endpoint, the "" pseudo-endpoint (operations that
 * reached no connection) appears only where it counted something.
 */
export function seriesOf(reading: MetricReading, r: MetricsReading): Series {
  switch (reading.scope) {
    case "derived":
      return reading.series(r);
    case "pool":
      if ("tally" in reading) {
        return Object.entries(r[reading.tally]).map(([key, n]) => [{ [reading.label]: key }, n]);
      }
      return [[{}, reading.field === "failures" ? failures(r.snapshot) : r.snapshot[reading.field]]];
    case "endpoint": {
      if ("histogram" in reading) return [];
      const picks: [Labels, EndpointNumber][] =
        "split" in reading
          ? Object.entries(reading.split).map(([key, field]) => [{ [reading.label]: key }, field])
          : [[{}, reading.field]];
      const out: Series = [];
      for (const [extra, field] of picks) {
        for (const [endpoint, m] of Object.entries(r.endpoints)) {
          const v = m[field];
          if (endpoint !== "" || v !== 0) out.push([{ endpoint, ...extra }, v]);
        }
      }
      return out;
    }
  }
}

/** A histogram's series in one reading: per endpoint, "" only where it observed something. */
export function histogramsOf(reading: MetricReading, r: MetricsReading): [Labels, Histogram][] {
  if (reading.scope !== "endpoint" || !("histogram" in reading)) return [];
  const pick = reading.histogram;
  return Object.entries(r.endpoints)
    .filter(([endpoint, m]) => endpoint !== "" || m[pick].count > 0)
    .map(([endpoint, m]): [Labels, Histogram] => [{ endpoint }, m[pick]]);
}

/** The entries an exporter shows, in table order. */
export function entriesOf(exporter: MetricEntry["exporter"]): MetricEntry[] {
  return METRIC_CATALOG.filter((e) => e.exporter === exporter);
}

/** The dashboard's figures of one panel, in the page's order. */
export function dashboardStats(panel: DashboardStat["panel"]): (DashboardStat & { field: PoolNumber })[] {
  const out: (DashboardStat & { field: PoolNumber })[] = [];
  for (const { reading, dashboard } of METRIC_CATALOG) {
    if (!dashboard || dashboard.panel !== panel || !("field" in reading)) continue;
    out.push({ ...dashboard, field: reading.field });
  }
  return out.sort((a, b) => a.at - b.at);
}
