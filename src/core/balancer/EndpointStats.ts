/**
 * What a balancer may read of an endpoint: enough to choose where work goes, nothing it could change.
 * The pool's `Endpoint` implements it; balancer tests build plain ones.
 */
export interface EndpointStats {
  /** The endpoint URL, as configured. */
  readonly endpoint: string;
  /** Leases in flight on it now. */
  readonly leased: number;
  /** Latency estimate (EWMA of lease hold times, decaying while unrefreshed) as of `now`; undefined until measured. */
  latencyAt(now: number): number | undefined;
  /** Recent failures, each weighing half as much every 10 s, as of `now`. */
  failureScore(now: number): number;
}
