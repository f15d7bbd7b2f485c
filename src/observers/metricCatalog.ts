import {
  LIVE_COUNTERS,
  LIVE_GAUGES,
  USER_COUNTERS,
  USER_DASHBOARD,
  USER_GAUGES,
  USER_OTEL,
} from "./featureMetricCatalog.js";
import { ACQUIRE_WAIT_BUCKETS_MS, LATENCY_BUCKETS_MS } from "./Histogram.js";
import { exportedBy, type MetricEntry } from "./metricEntry.js";
import { breakerStates, connectionStates, endpoint, histogram, limit, pool } from "./metricReading.js";

export type { DashboardStat, MetricEntry } from "./metricEntry.js";

/**
 * Every metric the pool exports, in one table: its name where it is shown, type, help, unit, and the
 * fold's reading it comes from. Prometheus, OpenTelemetry and the dashboard page build from this table
 * and name no metric themselves. A new metric is one entry here, or in `featureMetricCatalog.ts` for
 * the features above the connections that have a section of their own (live queries, end users).
 */

/** The prefix of every Prometheus family name. */
export const PROMETHEUS_PREFIX = "surreal_pool_";
/** The table. Prometheus and OpenTelemetry register their entries in this order. */
export const METRIC_CATALOG: readonly MetricEntry[] = [
  // --- Prometheus: counters per endpoint ---
  ...exportedBy("prometheus", "counter", [
    {
      name: "connections_created_total",
      help: "Connections opened.",
      unit: "{connection}",
      reading: endpoint("connectionsCreated"),
      dashboard: { id: "created", label: "connections created", panel: "pool", at: 5 },
    },
    {
      name: "connections_closed_total",
      help: "Open connections closed (retired).",
      unit: "{connection}",
      reading: endpoint("connectionsClosed"),
    },
    {
      name: "connect_failures_total",
      help: "Connects that failed or timed out.",
      unit: "{connect}",
      reading: endpoint("connectFailures"),
    },
    {
      name: "acquisitions_total",
      help: "Leases handed out.",
      unit: "{lease}",
      reading: endpoint("acquisitions"),
      dashboard: { id: "acquisitions", label: "acquisitions", panel: "pool", at: 0 },
    },
    {
      name: "connections_reused_total",
      help: "Leases of a connection leased before.",
      unit: "{lease}",
      reading: endpoint("connectionsReused"),
      dashboard: { id: "reused", label: "reuses", panel: "pool", at: 6 },
    },
    {
      name: "releases_total",
      help: "Leases returned.",
      unit: "{lease}",
      reading: endpoint("releases"),
      dashboard: { id: "releases", label: "releases", panel: "pool", at: 1 },
    },
    {
      name: "leaks_detected_total",
      help: "Leases held past leakDetectionThresholdMs.",
      unit: "{lease}",
      reading: endpoint("leaksDetected"),
    },
    {
      name: "breaker_opens_total",
      help: "Times the endpoint's circuit breaker opened.",
      unit: "{transition}",
      reading: endpoint("breakerOpens"),
      dashboard: { id: "breaker-opens", label: "breaker opens", panel: "pool", at: 10 },
    },
    {
      name: "retries_total",
      help: "Retries of executeWithRetry calls.",
      unit: "{retry}",
      reading: endpoint("retries"),
      dashboard: { id: "retries", label: "retries", panel: "pool", at: 9 },
    },
    {
      name: "hedges_total",
      help: "Hedged reads that started a second attempt.",
      unit: "{attempt}",
      reading: endpoint("hedges"),
    },
    // --- Prometheus: counters per endpoint and outcome ---
    {
      name: "health_checks_total",
      help: "Pings of idle connections, by result.",
      unit: "{check}",
      reading: {
        scope: "endpoint",
        label: "result",
        split: { passed: "healthChecksPassed", failed: "healthChecksFailed" },
      },
    },
    {
      name: "resets_total",
      help: "Session resets after a borrower changed state, by result.",
      unit: "{reset}",
      reading: { scope: "endpoint", label: "result", split: { ok: "resets", failed: "resetFailures" } },
    },
    {
      name: "operations_total",
      help: 'executeWithRetry calls, by outcome (endpoint "" when no connection was reached).',
      unit: "{operation}",
      reading: { scope: "endpoint", label: "outcome", split: { succeeded: "successes", failed: "errors" } },
    },
    // --- Prometheus: pool counters by key ---
    {
      name: "acquire_failures_total",
      help: "Acquires that failed, by reason.",
      unit: "{acquire}",
      reading: { scope: "pool", label: "reason", tally: "acquireFailures" },
    },
    {
      name: "events_total",
      help: "Events published on events$, by type.",
      unit: "{event}",
      reading: { scope: "pool", label: "type", tally: "eventsByType" },
    },
  ]),
  // --- Prometheus: gauges per endpoint ---
  ...exportedBy("prometheus", "gauge", [
    {
      name: "connections_open",
      help: "Open connections (leased, idle, being checked or closing).",
      unit: "{connection}",
      reading: endpoint("size"),
    },
    {
      name: "connections_pending",
      help: "Connections still connecting.",
      unit: "{connection}",
      reading: endpoint("pending"),
    },
    {
      name: "connections_in_use",
      help: "Leased connections.",
      unit: "{connection}",
      reading: endpoint("inUse"),
      dashboard: { id: "inuse", label: "in use / open", panel: "pool", at: 2, of: "size" },
    },
    {
      name: "connections_idle",
      help: "Open connections neither leased, checked nor closing.",
      unit: "{connection}",
      reading: endpoint("idle"),
      dashboard: { id: "idle", label: "idle", panel: "pool", at: 3 },
    },
    {
      name: "connections_checking",
      help: "Pings and resets in flight.",
      unit: "{connection}",
      reading: endpoint("checking"),
    },
    {
      name: "connections_retiring",
      help: "Connections closing.",
      unit: "{connection}",
      reading: endpoint("retiring"),
    },
    {
      name: "acquires_waiting",
      help: "Acquires waiting in the queue.",
      unit: "{acquire}",
      reading: pool("waiting"),
      dashboard: { id: "waiting", label: "waiting", panel: "pool", at: 4 },
    },
  ]),
  // --- Prometheus: pool counters of features above the connections ---
  ...exportedBy("prometheus", "counter", [
    {
      name: "transactions_begun_total",
      help: "Transactions manager.transaction() began (one per attempt).",
      unit: "{transaction}",
      reading: pool("transactionsBegun"),
    },
    {
      name: "transactions_committed_total",
      help: "Transactions manager.transaction() committed.",
      unit: "{transaction}",
      reading: pool("transactionsCommitted"),
    },
    {
      name: "transactions_cancelled_total",
      help: "Transactions cancelled or dropped uncommitted.",
      unit: "{transaction}",
      reading: pool("transactionsCancelled"),
    },
    {
      name: "transactions_retried_total",
      help: "Transaction attempts run again after a transient failure.",
      unit: "{transaction}",
      reading: pool("transactionsRetried"),
    },
    {
      name: "transactions_abandoned_total",
      help: "Transactions a borrower left open, cancelled at release.",
      unit: "{transaction}",
      reading: pool("transactionsAbandoned"),
    },
    {
      name: "call_timeouts_total",
      help: "Calls through a lease that ran past queryTimeoutMs.",
      unit: "{call}",
      reading: pool("callTimeouts"),
    },
    {
      name: "auth_renewals_total",
      help: "Connections signed in again (expiring, or refused as expired).",
      unit: "{renewal}",
      reading: pool("authRenewals"),
    },
    {
      name: "auth_failures_total",
      help: "Re-authentications that failed.",
      unit: "{renewal}",
      reading: pool("authFailures"),
    },
  ]),
  ...LIVE_COUNTERS,
  ...USER_COUNTERS,
  // --- Prometheus: pool gauges ---
  ...LIVE_GAUGES,
  ...USER_GAUGES,
  ...exportedBy("prometheus", "gauge", [
    {
      name: "agent_sessions_active",
      help: "Agent sessions created and not yet closed.",
      unit: "{session}",
      reading: pool("sessionsActive"),
    },
    {
      name: "breaker_state",
      help: "1 for the breaker's current state, 0 for the others.",
      unit: "1",
      reading: breakerStates(),
    },
  ]),
  // --- Prometheus: histograms per endpoint ---
  ...exportedBy("prometheus", "histogram", [
    {
      name: "acquire_wait_seconds",
      help: "Time from acquire() to the lease.",
      unit: "s",
      reading: histogram("acquireWaitMs", ACQUIRE_WAIT_BUCKETS_MS),
    },
    {
      name: "lease_held_seconds",
      help: "Time a connection stayed leased: the borrower's queries plus its own work (a query-latency proxy).",
      unit: "s",
      reading: histogram("leaseHeldMs", LATENCY_BUCKETS_MS),
    },
    {
      name: "operation_duration_seconds",
      help: "Duration of executeWithRetry calls, retries included.",
      unit: "s",
      reading: histogram("operationMs", LATENCY_BUCKETS_MS),
    },
    {
      name: "connect_duration_seconds",
      help: "Time to open a connection (connects that succeeded).",
      unit: "s",
      reading: histogram("connectMs", LATENCY_BUCKETS_MS),
    },
  ]),
  // --- OpenTelemetry: the semantic conventions of a database client's connection pool (semconv 1.45) ---
  ...exportedBy("otel", "gauge", [
    {
      name: "db.client.connection.count",
      help: "The number of connections that are currently in state described by the state attribute (used: leased, being checked or closing).",
      unit: "{connection}",
      reading: connectionStates(),
    },
    {
      name: "db.client.connection.idle.max",
      help: "The maximum number of idle open connections allowed.",
      unit: "{connection}",
      reading: limit("maxConnections"),
    },
    {
      name: "db.client.connection.idle.min",
      help: "The minimum number of idle open connections allowed.",
      unit: "{connection}",
      reading: limit("minConnections"),
    },
    {
      name: "db.client.connection.limit",
      help: "The maximum number of open connections allowed.",
      unit: "{connection}",
      reading: limit("maxConnections"),
    },
    {
      name: "db.client.connection.max",
      help: "The deprecated name of db.client.connection.limit, for dashboards built on older conventions.",
      unit: "{connection}",
      reading: limit("maxConnections"),
    },
    {
      name: "db.client.connection.pending_requests",
      help: "The number of current pending requests for an open connection.",
      unit: "{request}",
      reading: pool("waiting"),
    },
  ]),
  ...exportedBy("otel", "counter", [
    {
      name: "db.client.connection.timeouts",
      help: "The number of connection timeouts that have occurred trying to obtain a connection from the pool.",
      unit: "{timeout}",
      reading: pool("acquireTimeouts"),
    },
  ]),
  ...exportedBy("otel", "histogram", [
    {
      name: "db.client.connection.create_time",
      help: "The time it took to create a new connection.",
      unit: "s",
      reading: histogram("connectMs", LATENCY_BUCKETS_MS),
    },
    {
      name: "db.client.connection.wait_time",
      help: "The time it took to obtain an open connection from the pool.",
      unit: "s",
      reading: histogram("acquireWaitMs", ACQUIRE_WAIT_BUCKETS_MS),
    },
    {
      name: "db.client.connection.use_time",
      help: "The time between borrowing a connection and returning it to the pool.",
      unit: "s",
      reading: histogram("leaseHeldMs", LATENCY_BUCKETS_MS),
    },
  ]),
  ...USER_OTEL,
  // --- the dashboard page only ---
  ...exportedBy("dashboard", "counter", [
    {
      name: "failures",
      help: "Everything that went wrong: failed operations and acquires, connects, checks, leaks.",
      unit: "{failure}",
      reading: pool("failures"),
      dashboard: { id: "errors", label: "errors", panel: "pool", at: 8 },
    },
    {
      name: "successes",
      help: "executeWithRetry calls that succeeded.",
      unit: "{operation}",
      reading: pool("successes"),
      dashboard: { id: "successes", label: "operations ok", panel: "pool", at: 7 },
    },
  ]),
  ...USER_DASHBOARD,
];

/** The entries an exporter shows, in table order. */
export function entriesOf(exporter: MetricEntry["exporter"]): MetricEntry[] {
  return METRIC_CATALOG.filter((e) => e.exporter === exporter);
}
