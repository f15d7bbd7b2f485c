import type { ConnectionStateValue } from "../../machines/connection.machine.js";
import type { BreakerState } from "../events/PoolEvent.js";
import type { ConnectionPool, PoolState } from "../pool/ConnectionPool.js";
import type { SyncHealth } from "../sync/SyncReport.js";

export interface EndpointHealth {
  endpoint: string;
  healthy: boolean;
  /** Open connections to this endpoint. */
  size: number;
  idle: number;
  inUse: number;
  pending: number;
  /** Its circuit breaker's state ("closed" when the endpoint has no breaker). */
  breaker: BreakerState;
}

export interface HealthStatus {
  /** Running, able to reach an endpoint, and no breaker of every endpoint open. */
  healthy: boolean;
  state: PoolState;
  poolSize: number;
  availableConnections: number;
  inUse: number;
  waiting: number;
  pending: number;
  /** The worst breaker state over all endpoints. */
  circuitBreakerState: BreakerState;
  endpoints: EndpointHealth[];
  /** Connections per machine state. */
  connectionStates: Partial<Record<ConnectionStateValue, number>>;
  /** The last connect error, while connects are failing. */
  lastError?: string;
  /** Hybrid mode: each remote's sync (state, lag, shipped, failures, last success). */
  sync?: SyncHealth;
}

/** Reads the live bookkeeping (not the metrics fold), so it is exact at any moment. */
export function healthStatusOf(
  pool: ConnectionPool,
  breakers?: (endpoint: string) => BreakerState,
): HealthStatus {
  const breakerOf = breakers ?? (() => "closed" as const);
  const endpoints = pool.slots.map((slot) => {
    const breaker = breakerOf(slot.endpoint);
    return {
      endpoint: slot.endpoint,
      healthy: breaker !== "open" && (slot.open > 0 || pool.connectHealthy),
      size: slot.open,
      idle: slot.idle.length,
      inUse: slot.leased,
      pending: slot.pending,
      breaker,
    };
  });
  const connectionStates: Partial<Record<ConnectionStateValue, number>> = {};
  for (const c of pool.connections()) connectionStates[c.state] = (connectionStates[c.state] ?? 0) + 1;
  const order: BreakerState[] = ["closed", "halfOpen", "open"];
  const circuitBreakerState = endpoints.reduce<BreakerState>(
    (worst, e) => (order.indexOf(e.breaker) > order.indexOf(worst) ? e.breaker : worst),
    "closed",
  );
  return {
    healthy: pool.state === "running" && endpoints.some((e) => e.healthy),
    state: pool.state,
    poolSize: pool.size,
    availableConnections: pool.idle,
    inUse: pool.leased,
    waiting: pool.waiting,
    pending: pool.pending,
    circuitBreakerState,
    endpoints,
    connectionStates,
    ...(pool.connectHealthy || !pool.lastConnectError ? {} : { lastError: pool.lastConnectError.message }),
  };
}
