import { exportedBy, type MetricEntry } from "./metricEntry.js";
import { pool, userEvictionReasons } from "./metricReading.js";

/**
 * The metric catalog's entries of the features above the connections that have a section of their
 * own: live queries (`manager.live()`) and end users' sessions (`manager.as()`). The catalog
 * (`metricCatalog.ts`) places each constant where its exporter registers it, so every exporter's order
 * stays the catalog's.
 */

/** Prometheus counters of live queries. */
export const LIVE_COUNTERS: readonly MetricEntry[] = exportedBy("prometheus", "counter", [
  {
    name: "live_notifications_total",
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
    name: "live_losses_total",
    help: "Live queries lost (socket dropped, keepalive missed, endpoint died).",
    unit: "{subscription}",
    reading: pool("liveLosses"),
  },
  {
    name: "live_resubscribes_total",
    help: "Live queries registered again after a loss.",
    unit: "{subscription}",
    reading: pool("liveResubscribes"),
    dashboard: { id: "live-resubscribes", label: "resubscribes", panel: "live", at: 2 },
  },
  {
    name: "live_gaps_total",
    help: "Gap notifications put in live streams.",
    unit: "{notification}",
    reading: pool("liveGaps"),
    dashboard: { id: "live-gaps", label: "gaps", panel: "live", at: 3 },
  },
  {
    name: "live_backfilled_total",
    help: "Changes read from change feeds and delivered after a loss.",
    unit: "{change}",
    reading: pool("liveBackfilled"),
    dashboard: { id: "live-backfilled", label: "back-filled", panel: "live", at: 4 },
  },
  {
    name: "live_lease_kills_total",
    help: "Live queries borrowers left on leases, killed at release.",
    unit: "{subscription}",
    reading: pool("liveLeaseKills"),
    dashboard: { id: "live-lease-kills", label: "lease live queries killed", panel: "live", at: 5 },
  },
]);

/** Prometheus gauges of live queries. */
export const LIVE_GAUGES: readonly MetricEntry[] = exportedBy("prometheus", "gauge", [
  {
    name: "live_subscriptions",
    help: "manager.live() subscriptions registered and not yet killed.",
    unit: "{subscription}",
    reading: pool("liveSubscriptions"),
    dashboard: { id: "live-subscriptions", label: "subscriptions", panel: "live", at: 0 },
  },
]);

// End users' sessions. The exporters get counters and the cache's gauge, never the hit ratio: a
// ratio of two counters is for the reader's own query (rate(reused) / rate(reused + opened)), which
// also gives it over a window; only the page, which has no query language, shows it.

/** Prometheus counters of end users' sessions. */
export const USER_COUNTERS: readonly MetricEntry[] = exportedBy("prometheus", "counter", [
  {
    name: "user_sessions_opened_total",
    help: "End users' sessions opened and authenticated by manager.as().",
    unit: "{session}",
    reading: pool("userSessionsOpened"),
    dashboard: { id: "user-sessions-opened", label: "sessions opened", panel: "users", at: 1 },
  },
  {
    name: "user_sessions_reused_total",
    help: "End users' calls that ran on a session already cached for them.",
    unit: "{call}",
    reading: pool("userSessionsReused"),
    dashboard: { id: "user-sessions-reused", label: "calls on a cached session", panel: "users", at: 2 },
  },
  {
    name: "user_session_evictions_total",
    help: "End users' cached sessions let go, by reason.",
    unit: "{session}",
    reading: userEvictionReasons(),
  },
  {
    name: "user_sessions_refused_total",
    help: "End users' tokens or credentials the server refused.",
    unit: "{refusal}",
    reading: pool("userSessionsRefused"),
    dashboard: { id: "user-sessions-refused", label: "refused", panel: "users", at: 5 },
  },
]);

/** Prometheus gauges of end users' sessions. */
export const USER_GAUGES: readonly MetricEntry[] = exportedBy("prometheus", "gauge", [
  {
    name: "user_sessions_cached",
    help: "End users' sessions cached, as the session cache counts them.",
    unit: "{session}",
    reading: pool("userSessionsCached"),
    dashboard: { id: "user-sessions-cached", label: "cached sessions", panel: "users", at: 0 },
  },
]);

/**
 * The same on OpenTelemetry, under this library's own namespace (the conventions name no such
 * metric); instrument names carry no `_total`, their units say what they count.
 */
export const USER_OTEL: readonly MetricEntry[] = [
  ...exportedBy("otel", "counter", [
    {
      name: "surreal_pool.user.sessions.opened",
      help: "End users' sessions opened and authenticated by manager.as().",
      unit: "{session}",
      reading: pool("userSessionsOpened"),
    },
    {
      name: "surreal_pool.user.sessions.reused",
      help: "End users' calls that ran on a session already cached for them.",
      unit: "{call}",
      reading: pool("userSessionsReused"),
    },
    {
      name: "surreal_pool.user.sessions.evicted",
      help: "End users' cached sessions let go, by reason.",
      unit: "{session}",
      reading: userEvictionReasons(),
    },
    {
      name: "surreal_pool.user.sessions.refused",
      help: "End users' tokens or credentials the server refused.",
      unit: "{refusal}",
      reading: pool("userSessionsRefused"),
    },
  ]),
  ...exportedBy("otel", "gauge", [
    {
      name: "surreal_pool.user.sessions.cached",
      help: "End users' sessions cached, as the session cache counts them.",
      unit: "{session}",
      reading: pool("userSessionsCached"),
    },
  ]),
];

/** The page's own figures of end users: evictions in total, and the hit ratio. */
export const USER_DASHBOARD: readonly MetricEntry[] = [
  ...exportedBy("dashboard", "counter", [
    {
      name: "user_evictions",
      help: "End users' cached sessions let go, for any reason.",
      unit: "{session}",
      reading: pool("userEvictions"),
      dashboard: { id: "user-evictions", label: "evictions", panel: "users", at: 4 },
    },
  ]),
  ...exportedBy("dashboard", "gauge", [
    {
      name: "user_session_hit_ratio",
      help: "The share of end users' calls that found their session cached: reused / (reused + opened).",
      unit: "1",
      reading: pool("userSessionHitRatio"),
      dashboard: { id: "user-hit-ratio", label: "hit ratio", panel: "users", at: 3, format: "percent" },
    },
  ]),
];
