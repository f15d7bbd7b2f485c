import type { Balancer } from "./Balancer.js";
import type { EndpointStats } from "./EndpointStats.js";
import { RoundRobinBalancer } from "./RoundRobinBalancer.js";

/**
 * Prefers the endpoint with fewer recent failures (a decaying score), then the lower latency EWMA.
 * Endpoints within 25% of the best latency count as equal and share the work round-robin, so a
 * millisecond of noise does not send everything to one endpoint.
 */
export class HealthBasedBalancer implements Balancer {
  readonly name = "health-based";
  readonly #tieBreak = new RoundRobinBalancer();

  pick<T extends EndpointStats>(candidates: readonly T[]): T | undefined {
    if (candidates.length <= 1) return candidates[0];
    const now = performance.now();
    const failures = candidates.map((c) => Math.round(c.failureScore(now)));
    const fewest = Math.min(...failures);
    const healthiest = candidates.filter((_, i) => failures[i] === fewest);
    const latencies = healthiest.map((c) => c.latencyAt(now) ?? 0);
    const best = Math.min(...latencies);
    return this.#tieBreak.pick(healthiest.filter((_, i) => latencies[i]! <= best * 1.25 + 0.05));
  }
}
