import type { Endpoint } from "./Endpoint.js";
import type { PooledConnection } from "./PooledConnection.js";

/** What the rebalancer may do to the pool: open one connection on an endpoint, retire one. */
export interface RebalanceHost {
  readonly endpoints: readonly Endpoint[];
  /** Open plus opening connections, over every endpoint. */
  readonly total: number;
  readonly maxConnections: number;
  /** Opens a connection on `endpoint` now, if its breaker admits one; undefined when not. */
  openOn(endpoint: Endpoint): PooledConnection | undefined;
  /** Retires an idle connection of `endpoint` (the longest idle); false when it has none idle. */
  retireIdle(endpoint: Endpoint): boolean;
}

/**
 * Moves connections back to an endpoint that has fewer than its share (it recovered, or it is new):
 * opens one there and, once it is open, retires a surplus connection of the fullest endpoint (an idle
 * one now, or a leased one at its release). Leases are never disturbed, and at most one move per
 * endpoint is in flight.
 */
export class Rebalancer {
  /** Connections opened to move work, and the endpoint whose surplus each replaces. */
  readonly #moves = new WeakMap<PooledConnection, Endpoint>();

  pass(host: RebalanceHost): void {
    const eligible = host.endpoints.filter((e) => e.canServe());
    if (eligible.length < 2) return;
    const total = eligible.reduce((n, e) => n + e.open + e.pending, 0);
    const share = Math.floor(total / eligible.length);
    for (const e of host.endpoints) if (e.open - e.surplus <= share) e.surplus = 0;
    for (const under of eligible) {
      if (under.open + under.pending >= share || under.pending > 0) continue;
      const over = eligible.reduce((a, b) => (a.open - a.surplus > b.open - b.surplus ? a : b));
      if (over === under || over.open - over.surplus <= share) continue;
      if (host.total >= host.maxConnections) {
        // No room to open first: give one up; the refill goes to the endpoint with the fewest.
        this.#shed(host, over);
        continue;
      }
      const connection = host.openOn(under);
      if (connection) this.#moves.set(connection, over);
    }
  }

  /** A connection opened: if it was a move, the surplus it replaces can go now. */
  opened(host: RebalanceHost, connection: PooledConnection): void {
    const over = this.#moves.get(connection);
    if (!over) return;
    this.#moves.delete(connection);
    this.#shed(host, over);
  }

  #shed(host: RebalanceHost, endpoint: Endpoint): void {
    if (!host.retireIdle(endpoint)) endpoint.surplus++;
  }
}
