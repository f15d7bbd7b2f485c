import type { FoldCases } from "../events/FoldCases.js";
import type { LiveEvent } from "../events/LiveEvent.js";

/** The `live*` fields of the snapshot: a fold of the `live.*` events. */
export interface LiveTotals {
  /** Gauge: `manager.live()` subscriptions registered and not yet killed. */
  liveSubscriptions: number;
  /** Notifications handed to subscribers (back-filled ones and gaps included). */
  liveNotifications: number;
  /** Live queries lost (socket dropped, keepalive deadline missed, endpoint died). */
  liveLosses: number;
  /** Registered again after a loss. */
  liveResubscribes: number;
  /** Gap notifications put in streams. */
  liveGaps: number;
  /** Changes read from change feeds and delivered after a loss. */
  liveBackfilled: number;
  /** Live queries borrowers left on leases, killed at release. */
  liveLeaseKills: number;
}

export function emptyLiveTotals(): LiveTotals {
  return {
    liveSubscriptions: 0,
    liveNotifications: 0,
    liveLosses: 0,
    liveResubscribes: 0,
    liveGaps: 0,
    liveBackfilled: 0,
    liveLeaseKills: 0,
  };
}

/** The fold's cases of the `live.*` events. */
export const LIVE_CASES: FoldCases<LiveTotals, LiveEvent> = {
  "live.subscribed": (t) => {
    t.liveSubscriptions++;
  },
  "live.notified": (t, e) => {
    t.liveNotifications += e.count;
  },
  "live.lost": (t) => {
    t.liveLosses++;
  },
  "live.resubscribed": (t, e) => {
    t.liveResubscribes++;
    t.liveBackfilled += e.backfilled;
  },
  "live.gap": (t) => {
    t.liveGaps++;
  },
  "live.killed": (t, e) => {
    if (e.reason === "lease") t.liveLeaseKills += e.count ?? 1;
    else if (e.subscribed) t.liveSubscriptions--;
  },
};
