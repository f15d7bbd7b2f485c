import type { Balancer } from "./Balancer.js";
import type { EndpointStats } from "./EndpointStats.js";

/** A uniformly random candidate. */
export class RandomBalancer implements Balancer {
  readonly name = "random";
  constructor(private readonly random: () => number = Math.random) {}

  pick<T extends EndpointStats>(candidates: readonly T[]): T | undefined {
    return candidates[Math.floor(this.random() * candidates.length)];
  }
}
