import type { FoldCases } from "../events/FoldCases.js";
import type { UserEvent, UserEvictionReason, UserSockets } from "../events/UserEvent.js";

/** The user events the fold counts: `user.sockets` is said once per endpoint and counts nothing. */
type CountedUserEvent = Exclude<UserEvent, UserSockets>;

/** The `user*` fields of the snapshot: a fold of the `user.*` events (`manager.as(identity)`). */
export interface UserTotals {
  /**
   * Gauge: end users' sessions cached, as the cache said in its latest `user.session.opened` or
   * `user.session.evicted`. The cache owns this number; the fold copies it rather than keeping a
   * count of its own that could drift from it.
   */
  userSessionsCached: number;
  /** Sessions opened and authenticated for a user (each for a call that found none of its user's to use). */
  userSessionsOpened: number;
  /** Calls that ran on a session already cached for their user (no round trip to authenticate). */
  userSessionsReused: number;
  /** Tokens or credentials the server refused. */
  userSessionsRefused: number;
  /** Cached sessions let go, for any reason: the sum of `userEvictionsByReason`. */
  userEvictions: number;
  /** Cached sessions let go, per reason (every reason present, 0 until it happens). */
  userEvictionsByReason: Record<UserEvictionReason, number>;
}

export function emptyUserTotals(): UserTotals {
  return {
    userSessionsCached: 0,
    userSessionsOpened: 0,
    userSessionsReused: 0,
    userSessionsRefused: 0,
    userEvictions: 0,
    userEvictionsByReason: emptyEvictions(),
  };
}

/** Every reason at 0: exporters show a series per reason from the start, as counters should. */
function emptyEvictions(): Record<UserEvictionReason, number> {
  return { lru: 0, expired: 0, forgotten: 0, dropped: 0, refused: 0, changed: 0, shutdown: 0 };
}

/**
 * The share of calls that found their user's session cached: reused / (reused + opened); 0 before
 * any call. Derived, not kept: the dashboard shows it, exporters leave ratios to their users.
 */
export function userSessionHitRatio(
  t: Pick<UserTotals, "userSessionsOpened" | "userSessionsReused">,
): number {
  const calls = t.userSessionsReused + t.userSessionsOpened;
  return calls === 0 ? 0 : t.userSessionsReused / calls;
}

/** The fold's cases of the `user.*` events. */
export const USER_CASES: FoldCases<UserTotals, CountedUserEvent> = {
  "user.session.opened": (t, e) => {
    t.userSessionsOpened++;
    t.userSessionsCached = e.cached;
  },
  "user.session.reused": (t) => {
    t.userSessionsReused++;
  },
  "user.session.evicted": (t, e) => {
    t.userEvictions++;
    t.userEvictionsByReason[e.reason]++;
    t.userSessionsCached = e.cached;
  },
  "user.session.refused": (t) => {
    t.userSessionsRefused++;
  },
};
