import type { Endpoint } from "./Endpoint.js";
import type { PooledConnection } from "./PooledConnection.js";

/**
 * The pool's counts, each a sum over its Endpoints of where their connections are filed: nothing is
 * counted beside the connections themselves.
 */
export abstract class EndpointCounts {
  abstract readonly endpoints: readonly Endpoint[];

  /** Open connections (leased, idle, being checked or closing). */
  get size(): number {
    return sum(this.endpoints, (e) => e.open);
  }

  /** Connections still connecting. */
  get pending(): number {
    return sum(this.endpoints, (e) => e.pending);
  }

  get idle(): number {
    return sum(this.endpoints, (e) => e.idle);
  }

  get leased(): number {
    return sum(this.endpoints, (e) => e.leased);
  }

  get checking(): number {
    return sum(this.endpoints, (e) => e.checking);
  }

  get retiring(): number {
    return sum(this.endpoints, (e) => e.retiring);
  }

  /** Every connection the pool tracks, for health status and the dashboard. */
  connections(): PooledConnection[] {
    const all: PooledConnection[] = [];
    for (const e of this.endpoints) all.push(...e.connections());
    return all;
  }
}

function sum(endpoints: readonly Endpoint[], count: (endpoint: Endpoint) => number): number {
  let n = 0;
  for (const endpoint of endpoints) n += count(endpoint);
  return n;
}
