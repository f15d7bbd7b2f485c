/** The connections kept for `manager.live()`, and how its subscriptions recover (README "Live queries"). */
export interface LiveConfig {
  /** Live queries one connection carries. Default 1 000. */
  subscriptionsPerConnection: number;
  /**
   * Connections per endpoint kept for live queries: their share of the endpoint's
   * `pool.maxSessionsPerEndpoint`, outside `maxConnections` and never leased, so a live query never
   * takes a lease from a waiting caller. Default 2.
   */
  connectionsPerEndpoint: number;
  /** Keepalive ping interval on each live connection. Default 5 000. */
  keepaliveIntervalMs: number;
  /** A keepalive ping with no answer within this loses the connection (the SDK's has no deadline). Default 3 000. */
  keepaliveTimeoutMs: number;
  /** Registration attempts after a loss before the stream errors. Default 30. */
  maxAttempts: number;
  /**
   * Backoff before a registration attempt: uniform between 0 and a cap that starts at `initialBackoffMs`
   * and doubles per attempt up to `maxBackoffMs` (jittered, so subscriptions lost together do not come
   * back in lockstep). Defaults 50 and 2 000.
   */
  initialBackoffMs: number;
  maxBackoffMs: number;
  /**
   * On a table with a change feed: how often the feed is read without a notification, so a change
   * whose notification the engine dropped still arrives. Default 1 000.
   */
  feedPollMs: number;
}

export const DEFAULT_LIVE_CONFIG: Readonly<LiveConfig> = {
  subscriptionsPerConnection: 1_000,
  connectionsPerEndpoint: 2,
  keepaliveIntervalMs: 5_000,
  keepaliveTimeoutMs: 3_000,
  maxAttempts: 30,
  initialBackoffMs: 50,
  maxBackoffMs: 2_000,
  feedPollMs: 1_000,
};
