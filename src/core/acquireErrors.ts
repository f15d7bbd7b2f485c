import { AcquireTimeoutError } from "../errors/AcquireTimeoutError.js";
import type { CircuitOpenError } from "../errors/CircuitOpenError.js";
import { ConnectError } from "../errors/ConnectError.js";
import type { Endpoint } from "./Endpoint.js";

/** What an acquire that timed out was up against, for its error's message and fields. */
export interface PoolAtTimeout {
  endpoints: readonly Endpoint[];
  size: number;
  pending: number;
  waiting: number;
}

/**
 * The error of an acquire that waited `timeoutMs` in vain. It carries the last connect error when
 * connects are failing, so a down server reads as one and not as "every connection stayed in use".
 */
export function acquireTimeoutError(
  timeoutMs: number,
  pool: PoolAtTimeout,
  maxConnections: number,
): AcquireTimeoutError {
  const endpoint = pool.endpoints.map((e) => e.endpoint).join(", ");
  const failing = pool.endpoints.find((e) => e.connectFailures > 0 && e.lastConnectError);
  // Nothing open and connects still in flight: the endpoint is slow or dead (a connect to a dead ws://
  // endpoint never settles), which "all 0 connections stayed in use" would misreport.
  const connecting = !failing && pool.size === 0 && pool.pending > 0;
  // Room in the pool, none on any endpoint: features hold the rest of each endpoint's bound.
  const full = pool.size + pool.pending < maxConnections && pool.endpoints.every((e) => !e.hasRoom());
  return new AcquireTimeoutError({
    ...(full ? { endpointBound: pool.endpoints[0]!.maxUnits } : {}),
    timeoutMs,
    endpoint,
    size: pool.size,
    maxConnections: maxConnections,
    waiting: pool.waiting,
    lastConnectError: failing
      ? failing.lastConnectError
      : connecting
        ? new ConnectError(endpoint, `no connect to ${endpoint} has finished yet (${pool.pending} in flight)`)
        : undefined,
  });
}

/** When no endpoint can serve (every breaker open): the error of the one that probes again soonest. */
export function unavailableError(endpoints: readonly Endpoint[]): CircuitOpenError | undefined {
  let soonest: CircuitOpenError | undefined;
  for (const endpoint of endpoints) {
    if (endpoint.canServe()) return undefined;
    const error = endpoint.openError();
    if (!soonest || (error.retryAfterMs ?? Infinity) < (soonest.retryAfterMs ?? Infinity)) soonest = error;
  }
  return soonest;
}

/**
 * Why start() failed when none of the `warm` connections opened: the connect's own error when it
 * already says what to do (a ConnectError, refused credentials), else a ConnectError around it.
 */
export function warmUpError(endpoints: readonly Endpoint[], cause: Error, warm: number): Error {
  if (cause instanceof ConnectError || (cause as { code?: string })?.code === "AUTHENTICATION_FAILED")
    return cause;
  return new ConnectError(
    endpoints.map((e) => e.endpoint).join(", "),
    `could not open ${warm} of ${warm} warm connections (${cause?.message ?? cause}); check that the endpoint is up, or set pool.warmConnections: false to start without it`,
    { cause },
  );
}
