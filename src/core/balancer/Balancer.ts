import type { EndpointStats } from "./EndpointStats.js";

/**
 * Chooses the endpoint whose idle connection serves a lease. Only endpoints that have an idle
 * connection and whose breaker is not open are offered. New connections are not placed by the
 * strategy: they go to the admitted endpoint with the fewest connections, so connections stay spread
 * evenly and the strategy decides where the work goes.
 */
export interface Balancer {
  readonly name: string;
  pick<T extends EndpointStats>(candidates: readonly T[]): T | undefined;
}
