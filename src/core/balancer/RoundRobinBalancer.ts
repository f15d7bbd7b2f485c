import type { Balancer } from "./Balancer.js";
import type { EndpointStats } from "./EndpointStats.js";

/** Takes the candidates in turn. */
export class RoundRobinBalancer implements Balancer {
  readonly name = "round-robin";
  #next = 0;

  pick<T extends EndpointStats>(candidates: readonly T[]): T | undefined {
    if (candidates.length <= 1) return candidates[0];
    this.#next = (this.#next + 1) % 0x3fffffff;
    return candidates[this.#next % candidates.length];
  }
}
