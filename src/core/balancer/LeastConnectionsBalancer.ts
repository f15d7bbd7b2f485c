import type { Balancer } from "./Balancer.js";
import type { EndpointStats } from "./EndpointStats.js";
import { RoundRobinBalancer } from "./RoundRobinBalancer.js";

/** The candidate with the fewest leases in flight; ties go round-robin so equals share the work. */
export class LeastConnectionsBalancer implements Balancer {
  readonly name = "least-connections";
  readonly #tieBreak = new RoundRobinBalancer();

  pick<T extends EndpointStats>(candidates: readonly T[]): T | undefined {
    if (candidates.length <= 1) return candidates[0];
    let least = Number.POSITIVE_INFINITY;
    for (const c of candidates) least = Math.min(least, c.leased);
    return this.#tieBreak.pick(candidates.filter((c) => c.leased === least));
  }
}
