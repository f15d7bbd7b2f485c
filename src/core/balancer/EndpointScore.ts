/** Weight of the newest observation in the latency EWMA. */
const LATENCY_ALPHA = 0.2;
/** Half-life of the recent-failure score. */
const FAILURE_HALF_LIFE_MS = 10_000;
/**
 * Half-life of a latency estimate that nothing refreshes. Only leases measure an endpoint, so without
 * decay an endpoint that latency-aware balancing stopped choosing (it was slow once) would keep its old
 * estimate, and be passed over, forever after it recovered. Decaying it (as Finagle's peak EWMA does)
 * makes such an endpoint worth one more try now and then, and that try measures it afresh.
 */
const LATENCY_HALF_LIFE_MS = 10_000;

/** What latency-aware and health-based balancing know of one endpoint: a latency EWMA and a failure score. */
export class EndpointScore {
  #latencyMs: number | undefined;
  #latencyAt = 0;
  #failureScore = 0;
  #failureAt = 0;

  /** The latency estimate as of `now` (performance.now() time). */
  latencyAt(now: number): number | undefined {
    const latency = this.#latencyMs;
    if (latency === undefined || now <= this.#latencyAt) return latency;
    return latency * 0.5 ** ((now - this.#latencyAt) / LATENCY_HALF_LIFE_MS);
  }

  observeLatency(ms: number, now: number): void {
    const current = this.latencyAt(now);
    this.#latencyMs = current === undefined ? ms : current + LATENCY_ALPHA * (ms - current);
    this.#latencyAt = now;
  }

  observeFailure(now: number): void {
    this.#failureScore = this.failureScore(now) + 1;
    this.#failureAt = now;
  }

  /** Recent failures, each weighing half as much every 10 s. */
  failureScore(now: number): number {
    if (this.#failureScore === 0) return 0;
    return this.#failureScore * 0.5 ** ((now - this.#failureAt) / FAILURE_HALF_LIFE_MS);
  }
}
