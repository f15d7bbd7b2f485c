import type { Connector } from "../connection/Connector.js";
import type { PooledConnection } from "../connection/PooledConnection.js";

/**
 * The pool's share of one endpoint: its connector and its idle connections. Idle connections are a
 * stack (most recently returned on top): hot connections stay hot, and the surplus sinks to the
 * bottom where the idle reaper finds it.
 */
export class EndpointSlot {
  readonly connector: Connector;
  readonly idle: PooledConnection[] = [];
  /** Open connections of this endpoint (leased, idle, checking or closing). */
  open = 0;
  /** Connections of this endpoint still connecting. */
  pending = 0;
  leased = 0;

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
}

/** Chooses an endpoint: for a lease (among slots with idle connections) or for a new connection. */
export interface Balancer {
  pick(candidates: readonly EndpointSlot[], purpose: "lease" | "create"): EndpointSlot | undefined;
}

/** Round-robin over the candidates; the default, and all a single endpoint needs. */
export class RoundRobinBalancer implements Balancer {
  #next = 0;

  pick(candidates: readonly EndpointSlot[]): EndpointSlot | undefined {
    if (candidates.length <= 1) return candidates[0];
    const slot = candidates[this.#next % candidates.length];
    this.#next = (this.#next + 1) % 1_000_000_007;
    return slot;
  }
}
