import type { Endpoint } from "./Endpoint.js";

export interface PlaceOptions {
  /** The endpoint to try first (where a live query ran before it was lost). */
  preferred?: string | undefined;
  /** The feature's own measure of an endpoint's load (a live query: subscriptions there); default its units. */
  load?: (endpoint: Endpoint) => number;
}

/**
 * Where a new unit may open, best first: the one rule for every kind of unit (a pooled connection, a
 * connection kept for live queries, an agent's own session). Only endpoints whose breaker lets work
 * through and that have room under their bound are offered; the preferred one first, then the least
 * loaded, so units stay spread over the endpoints. Which socket of the endpoint it goes on is the
 * endpoint's connector's choice.
 */
export function endpointsForNewUnit(endpoints: readonly Endpoint[], options: PlaceOptions = {}): Endpoint[] {
  const { preferred, load = unitsOf } = options;
  const candidates = endpoints.filter((e) => e.canServe() && e.hasRoom());
  if (candidates.length < 2) return candidates;
  const rank = (e: Endpoint) => (e.endpoint === preferred ? 0 : 1);
  return candidates.sort((a, b) => rank(a) - rank(b) || load(a) - load(b));
}

function unitsOf(endpoint: Endpoint): number {
  return endpoint.units;
}
