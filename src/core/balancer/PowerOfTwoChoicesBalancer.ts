import type { Balancer } from "./Balancer.js";
import type { EndpointStats } from "./EndpointStats.js";

/**
 * Power of two choices (as Finagle and Envoy balance): sample two candidates at random and take the
 * cheaper, where cost = latency EWMA x (leases in flight + 1). Two random samples avoid the herd
 * that "always the best" causes, while still steering work away from slow or busy endpoints.
 */
export class PowerOfTwoChoicesBalancer implements Balancer {
  readonly name = "power-of-two-choices";
  constructor(private readonly random: () => number = Math.random) {}

  pick<T extends EndpointStats>(candidates: readonly T[]): T | undefined {
    const n = candidates.length;
    if (n <= 1) return candidates[0];
    const i = Math.floor(this.random() * n);
    let j = Math.floor(this.random() * (n - 1));
    if (j >= i) j++;
    const a = candidates[i]!;
    const b = candidates[j]!;
    const now = performance.now();
    return cost(a, now) <= cost(b, now) ? a : b;
  }
}

function cost(slot: EndpointStats, now: number): number {
  // An endpoint never measured costs as if instantly fast, so it gets tried and measured.
  return (slot.latencyAt(now) ?? 0) * (slot.leased + 1);
}
