import { isSurrealPoolError, SurrealPoolError } from "./SurrealPoolError.js";

/**
 * `acquire()` waited `timeoutMs` without getting a connection. `cannotConnect` tells the two causes
 * apart: the pool could not create connections (then `cause` is the last connect error), or every
 * connection stayed leased.
 */
export class AcquireTimeoutError extends SurrealPoolError {
  readonly timeoutMs: number;
  readonly cannotConnect: boolean;
  /** The endpoint(s) the pool serves, as in the message. */
  readonly endpoint: string;

  constructor(details: {
    timeoutMs: number;
    endpoint: string;
    size: number;
    maxConnections: number;
    waiting: number;
    lastConnectError?: Error;
    /**
     * Set when the pool had room for more connections but every endpoint held its bound of sessions
     * (live connections and agents' sessions count too): that bound, `pool.maxSessionsPerEndpoint`.
     */
    endpointBound?: number;
  }) {
    const { timeoutMs, endpoint, size, maxConnections, waiting, lastConnectError, endpointBound } = details;
    const message = lastConnectError
      ? `no connection within ${timeoutMs} ms: the pool could not create a connection to ${endpoint} (last error: ${lastConnectError.message}); check that the endpoint is up and reachable`
      : endpointBound !== undefined
        ? `no connection within ${timeoutMs} ms: ${size} of ${maxConnections} connections are open and in use, and every endpoint holds its bound of ${endpointBound} sessions (live connections and agents' sessions count too; ${waiting} waiting); raise pool.maxSessionsPerEndpoint, close agent sessions sooner, or raise pool.connectionTimeoutMs`
        : `no connection within ${timeoutMs} ms: all ${size} of ${maxConnections} connections stayed in use (${waiting} waiting); release leases sooner, raise pool.maxConnections, or raise pool.connectionTimeoutMs`;
    super("ACQUIRE_TIMEOUT", message, lastConnectError ? { cause: lastConnectError } : undefined);
    this.timeoutMs = timeoutMs;
    this.cannotConnect = lastConnectError !== undefined;
    this.endpoint = endpoint;
  }
}

export function isAcquireTimeoutError(error: unknown): error is AcquireTimeoutError {
  return isSurrealPoolError(error) && error.code === "ACQUIRE_TIMEOUT";
}
