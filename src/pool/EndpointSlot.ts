import type { Connector } from "../connection/Connector.js";
import type { PooledConnection } from "../connection/PooledConnection.js";

/** Weight of the newest observation in the latency EWMA. */
const LATENCY_ALPHA = 0.2;
/** Half-life of the recent-failure score. */
const FAILURE_HALF_LIFE_MS = 10_000;

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
  /** EWMA of lease hold times and pings, ms; undefined until first observed. */
  latencyMs: number | undefined;
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

  observeLatency(ms: number): void {
    this.latencyMs =
      this.latencyMs === undefined ? ms : this.latencyMs + LATENCY_ALPHA * (ms - this.latencyMs);
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
