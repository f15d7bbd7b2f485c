import type { ConnectionStateValue } from "../../machines/connection.machine.js";
import type { ConnectionPool, PoolState } from "../core/ConnectionPool.js";
import type { BreakerState } from "../events/PoolEvent.js";
import type { LiveHealth } from "../live/LiveRoom.js";
import type { Connector } from "../surreal/Connector.js";
import { connectorOf } from "../surreal/rawOf.js";
import type { SyncHealth } from "../sync/SyncReport.js";
import type { UsersHealth } from "../users/Users.js";

export interface EndpointHealth {
  endpoint: string;
  healthy: boolean;
  /** Open connections to this endpoint. */
  size: number;
  idle: number;
  inUse: number;
  pending: number;
  /** Out for a ping or a reset. */
  checking: number;
  /** Closing (still counted in `size` until closed). */
  retiring: number;
  /** Its circuit breaker's state. */
  breaker: BreakerState;
  /**
   * `ws(s)://` endpoints: how its connections are carried. "sessions": SurrealDB 3 sessions over
   * `sockets` shared sockets; "sockets": one socket per connection (the server has no sessions, 2.x);
   * "unknown": no socket has opened yet.
   */
  pooling?: "sessions" | "sockets" | "unknown";
  /** Shared sockets open now (with pooling "sessions"). */
  sockets?: number;
  /**
   * Every unit (session) open or opening on this endpoint, by what it is for: `pooled` (the pool's
   * connections), `live` (connections kept for live queries), `agent` (agents' own sessions), `user`
   * (end users' sessions, `manager.as()`); their sum
   * never passes `bound` (`pool.maxSessionsPerEndpoint`).
   */
  units: { bound: number; pooled: number; live: number; agent: number; user: number };
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
  /** Connections out for a ping or a reset. */
  checking: number;
  /** Connections closing (still counted in `poolSize` until closed). */
  retiring: number;
  /** The worst breaker state over all endpoints. */
  circuitBreakerState: BreakerState;
  endpoints: EndpointHealth[];
  /** Connections per machine state. */
  connectionStates: Partial<Record<ConnectionStateValue, number>>;
  /** The last connect error, while connects are failing. */
  lastError?: string;
  /**
   * `manager.live()`: subscriptions, those recovering from a loss, and the connections kept for live
   * queries (beside `poolSize`: they are never leased).
   */
  live?: LiveHealth;
  /** End users' sessions (`manager.as()`): how many are cached, in use, for how many users. */
  users?: UsersHealth;
  /** Hybrid mode: each remote's sync (state, lag, shipped, failures, last success). */
  sync?: SyncHealth;
}

/**
 * Reads the pool's Endpoints (not the metrics fold), so it is exact at any moment. Every count is
 * derived from where each Endpoint files its connections.
 */
/** What health status reads of a pool (any lease type). */
export type PoolReading = Pick<
  ConnectionPool,
  | "endpoints"
  | "connections"
  | "state"
  | "size"
  | "idle"
  | "leased"
  | "waiting"
  | "pending"
  | "checking"
  | "retiring"
>;

export function healthStatusOf(pool: PoolReading): HealthStatus {
  const endpoints = pool.endpoints.map((e) => {
    const breaker = e.breakerState;
    return {
      endpoint: e.endpoint,
      // Reachable: its breaker lets work through, and it has connections that stay, or its connects succeed.
      healthy: breaker !== "open" && (e.open - e.retiring > 0 || e.connectFailures === 0),
      size: e.open,
      idle: e.idle,
      inUse: e.leased,
      pending: e.pending,
      checking: e.checking,
      retiring: e.retiring,
      breaker,
      ...socketsOf(connectorOf(e)),
      units: { bound: e.maxUnits, pooled: 0, live: 0, agent: 0, user: 0, ...e.unitsByKind() },
    };
  });
  const connectionStates: Partial<Record<ConnectionStateValue, number>> = {};
  for (const c of pool.connections()) connectionStates[c.state] = (connectionStates[c.state] ?? 0) + 1;
  const order: BreakerState[] = ["closed", "halfOpen", "open"];
  const circuitBreakerState = endpoints.reduce<BreakerState>(
    (worst, e) => (order.indexOf(e.breaker) > order.indexOf(worst) ? e.breaker : worst),
    "closed",
  );
  const failing = pool.endpoints.find((e) => e.connectFailures > 0 && e.lastConnectError);
  return {
    healthy: pool.state === "running" && endpoints.some((e) => e.healthy),
    state: pool.state,
    poolSize: pool.size,
    availableConnections: pool.idle,
    inUse: pool.leased,
    waiting: pool.waiting,
    pending: pool.pending,
    checking: pool.checking,
    retiring: pool.retiring,
    circuitBreakerState,
    endpoints,
    connectionStates,
    ...(failing?.lastConnectError ? { lastError: failing.lastConnectError.message } : {}),
  };
}

function socketsOf(connector: Connector): Pick<EndpointHealth, "pooling" | "sockets"> {
  const health = connector.socketHealth?.();
  return health ? { pooling: health.pooling, sockets: health.sockets } : {};
}
