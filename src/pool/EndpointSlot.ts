import type { Connector } from "../connection/Connector.js";
import type { PooledConnection } from "../connection/PooledConnection.js";

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

/**
 * The pool's share of one endpoint: its connector, its idle connections and what the load balancer
 * knows of it. Idle connections are a stack (most recently returned on top): hot connections stay
 * hot, and the surplus sinks to the bottom where the idle reaper finds it.
 */
export class EndpointSlot {
  readonly connector: Connector;
  readonly idle: PooledConnection[] = [];
  /** Open connections of this endpoint (leased, idle, checking or closing). */
  open = 0;
  /** Connections of this endpoint still connecting. */
  pending = 0;
  /** Leases in flight on this endpoint. */
  leased = 0;
  /** False while the endpoint's breaker is open: its idle connections are not leased. */
  available = true;
  /** Connections to retire at their next release, to move work to another endpoint. */
  surplus = 0;
  #latencyMs: number | undefined;
  #latencyAt = 0;
  #failureScore = 0;
  #failureAt = 0;

  constructor(connector: Connector) {
    this.connector = connector;
  }

  get endpoint(): string {
    return this.connector.endpoint;
  }

  /** Removes a connection from the idle stack, if it is there. */
  removeIdle(connection: PooledConnection): boolean {
    const index = this.idle.lastIndexOf(connection);
    if (index < 0) return false;
    this.idle.splice(index, 1);
    return true;
  }

  /** EWMA of lease hold times, ms, decaying while not refreshed; undefined until first observed. */
  get latencyMs(): number | undefined {
    return this.latencyAt(performance.now());
  }

  /** The latency estimate as of `now` (performance.now() time). */
  latencyAt(now: number): number | undefined {
    const latency = this.#latencyMs;
    if (latency === undefined || now <= this.#latencyAt) return latency;
    return latency * 0.5 ** ((now - this.#latencyAt) / LATENCY_HALF_LIFE_MS);
  }

  observeLatency(ms: number, now = performance.now()): void {
    const current = this.latencyAt(now);
    this.#latencyMs = current === undefined ? ms : current + LATENCY_ALPHA * (ms - current);
    this.#latencyAt = now;
  }

  observeFailure(now = performance.now()): void {
    this.#failureScore = this.failureScore(now) + 1;
    this.#failureAt = now;
  }

  /** Recent failures, each weighing half as much every 10 s. */
  failureScore(now = performance.now()): number {
    if (this.#failureScore === 0) return 0;
    return this.#failureScore * 0.5 ** ((now - this.#failureAt) / FAILURE_HALF_LIFE_MS);
  }
}
