import { exportedBy, type MetricEntry } from "./metricEntry.js";
import { pool } from "./metricReading.js";

/**
 * The metric catalog's entries of the features above the connections that have a section of their
 * own: live queries (`manager.live()`). The catalog (`metricCatalog.ts`) places each constant where
 * its exporter registers it, so every exporter's order stays the catalog's.
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
