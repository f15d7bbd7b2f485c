import { isSurrealPoolError, SurrealPoolError } from "./SurrealPoolError.js";

/** The breaker states that refuse a call (errors sit below the machines, so the names are spelled here). */
export type RefusingBreakerState = "open" | "halfOpen";

/** What a `CircuitOpenError` reports. */
export interface CircuitOpenDetails {
  /** The endpoint whose breaker refused the call. */
  endpoint: string;
  /** The breaker's state: `open`, or `halfOpen` with every probe slot taken. */
  state: RefusingBreakerState;
  /** Epoch milliseconds when the breaker entered that state. */
  since: number;
  /** Milliseconds until the breaker lets a probe through; `undefined` when isolated or half-open. */
  retryAfterMs: number | undefined;
  /** True when the breaker is held open by hand and waits for `reset()`. */
  isolated: boolean;
  /** What the endpoint last failed with (e.g. the connect error), when known. */
  cause?: Error;
}

/**
 * A call was refused without being tried because the endpoint's circuit breaker is open (the endpoint
 * failed repeatedly) or half-open with its probes in flight. Transient: another endpoint, or the same one
 * later, may answer.
 */
export class CircuitOpenError extends SurrealPoolError {
  readonly endpoint: string;
  readonly state: RefusingBreakerState;
  readonly since: number;
  readonly retryAfterMs: number | undefined;
  readonly isolated: boolean;

  constructor(details: CircuitOpenDetails) {
    super("CIRCUIT_OPEN", describe(details), details.cause ? { cause: details.cause } : undefined);
    this.endpoint = details.endpoint;
    this.state = details.state;
    this.since = details.since;
    this.retryAfterMs = details.retryAfterMs;
    this.isolated = details.isolated;
  }
}

function describe(d: CircuitOpenDetails): string {
  const since = new Date(d.since).toISOString();
  if (d.isolated) {
    return `endpoint ${d.endpoint} is isolated (circuit held open by hand since ${since}); call reset() on its breaker to let calls through`;
  }
  if (d.state === "halfOpen") {
    return `endpoint ${d.endpoint} is being probed after failing (circuit half-open since ${since}, probes in flight); wait for the probe to finish`;
  }
  const next =
    d.retryAfterMs === undefined ? "" : `, next probe in ${Math.max(0, Math.ceil(d.retryAfterMs))} ms`;
  const last = d.cause ? `; last error: ${d.cause.message}` : "";
  return `endpoint ${d.endpoint} is failing (circuit open since ${since}${next}${last}); check that the endpoint is up and reachable, or wait for the probe`;
}

export function isCircuitOpenError(error: unknown): error is CircuitOpenError {
  return isSurrealPoolError(error) && error.code === "CIRCUIT_OPEN";
}
