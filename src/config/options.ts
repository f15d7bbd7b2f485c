import type { LiveConfig } from "./LiveConfig.js";
import type { Logger } from "./Logger.js";

export type { LiveConfig } from "./LiveConfig.js";

/** How the pool spreads connections over several endpoints (remote mode). */
export type LoadBalancingStrategy =
  | "round-robin"
  | "least-connections"
  | "random"
  | "health-based"
  | "power-of-two-choices";

export interface LocalMode {
  kind: "local";
  /** `mem://` (default), `surrealkv://DIR`, or `ws://host:port`. */
  endpoint?: string;
}

export interface RemoteMode {
  kind: "remote";
  /** One or more `ws://` / `wss://` endpoints. */
  endpoints: string[];
  /** Default `round-robin`. */
  loadBalancing?: LoadBalancingStrategy;
}

export interface HybridMode {
  kind: "hybrid";
  /** The local store that serves reads and takes writes: `mem://`, `surrealkv://DIR` or `ws://`. */
  localCache: string;
  /** Remotes every local change is shipped to. */
  remoteSync: string[];
  /** How often local changes are shipped. Default 60 000. */
  syncIntervalMs?: number;
  /** Tables to sync; default every table of the configured namespace/database. */
  tables?: string[];
}

export type ConnectionMode = LocalMode | RemoteMode | HybridMode;

/** Root or namespace user credentials. */
export interface Credentials {
  username: string;
  password: string;
  /** Sign in as a namespace/database user instead of a root user. */
  namespace?: string;
  database?: string;
}

/** A SurrealDB access token (a JWT, e.g. issued by your auth service or a record access). */
export interface TokenCredentials {
  token: string;
}

/**
 * Static credentials, or a provider called at every sign-in (each new connection, and every renewal
 * of an expiring one), so rotated secrets and fresh tokens reach existing connections too.
 */
export type CredentialsOption =
  | Credentials
  | TokenCredentials
  | (() => Credentials | TokenCredentials | Promise<Credentials | TokenCredentials>);

export interface RetryPolicy {
  /** Attempts in total, the first included. Default 3. */
  maxAttempts: number;
  /** Backoff cap of the first retry. Default 100. */
  initialBackoffMs: number;
  /** No backoff exceeds this. Default 10 000. */
  maxBackoffMs: number;
  /** Growth of the backoff cap per attempt. Default 2. */
  multiplier: number;
}

export interface PoolOptions {
  /** Connections kept open even when idle. Default 5. */
  minConnections: number;
  /** Upper bound on open plus opening connections. Default 20. */
  maxConnections: number;
  /** How long `acquire()` may wait for a connection (the seed's name). Default 30 000. */
  connectionTimeoutMs: number;
  /** Deadline of opening one connection (TCP, WebSocket, sign-in, `use`). Default 10 000. */
  connectTimeoutMs: number;
  /**
   * Deadline of every call through a lease's `db` (a query, a `use`, a transaction's commit), ms. A
   * call past it rejects with `OperationTimeoutError` and its connection is discarded at release (the
   * socket may be stuck). `null`: no deadline. Default 60 000. Override per lease with
   * `acquire({ queryTimeoutMs })`.
   */
  queryTimeoutMs: number | null;
  /** Close connections idle this long while above `minConnections`; `null` never. Default 300 000. */
  idleTimeoutMs: number | null;
  /** Retire connections this old (jittered down by up to 10%) between leases; `null` never. Default 1 800 000. */
  maxLifetimeMs: number | null;
  /**
   * Open `minConnections` before `create()` resolves, failing fast if no endpoint can be reached (with
   * some endpoints up, the pool starts on those). Default true.
   */
  warmConnections: boolean;
  /** Interval of health passes over idle connections. Default 30 000. */
  healthCheckIntervalMs: number;
  /** Backoff for `executeWithRetry` and for re-creating connections. */
  retryPolicy: RetryPolicy;
  /** Log a lease held longer than this, with the stack of its acquire; `null` off. Default null. */
  leakDetectionThresholdMs: number | null;
  /** Retire a connection after this many leases; `null` never. Default null. */
  maxUses: number | null;
  /**
   * Reject acquires beyond this many waiters with `PoolSaturatedError`; `null` unbounded. Default null.
   * Counts every acquire that has to wait, including one waiting for a connection being opened, so 0
   * means "never wait".
   */
  maxWaitingClients: number | null;
  /** Ping a connection before leasing it when it sat idle longer than this. Default 5 000. */
  validateAfterIdleMs: number;
  /** Deadline of one ping (validation and health checks). Default 5 000. */
  validationTimeoutMs: number;
  /**
   * Sockets per `ws(s)://` endpoint of SurrealDB 3 that its pooled sessions (up to `maxConnections`)
   * share, spread evenly; `manager.query()` runs on them without a lease. A server without sessions
   * (2.x) gets one socket per connection instead. Default 2.
   */
  socketsPerEndpoint: number;
  /**
   * The one bound on what the pool opens to one endpoint: every session counts, whatever it is for
   * (pooled connections, connections kept for live queries, agents' own sessions). At the bound, the
   * pool opens no more connections there (callers wait, or another endpoint serves), a live query goes
   * to another endpoint, and an agent's lease runs on a pooled session switched to its namespace.
   * `healthStatus().endpoints[i].units` shows them by kind. Default 2 048 (eight sockets' worth).
   */
  maxSessionsPerEndpoint: number;
  /**
   * pg's option of that name: the pool does not keep the process alive while it has nothing to do (no
   * lease out, no caller waiting, no call or live query running). Its idle sockets, its timers and the
   * health loop stop holding it, so a script that never calls `shutdown()` still exits. The embedded
   * engine (`mem://`, `surrealkv://`) keeps a process alive by itself for as long as it is open (README).
   * Default false.
   */
  allowExitOnIdle: boolean;
}

export interface CircuitBreakerOptions {
  /** Consecutive failures that open an endpoint's breaker. Default 5. */
  failureThreshold: number;
  /**
   * The longest a breaker stays open before letting a probe through. It opens for `baseResetTimeoutMs`
   * the first time, twice as long each time it opens again before closing, up to this. Default 30 000.
   */
  resetTimeoutMs: number;
  /**
   * How long a breaker stays open the first time (capped at `resetTimeoutMs`). Default 250. An endpoint
   * that refused connections is also probed (a TCP connect, from 100 ms apart up to 500 ms) while its
   * breaker is open: once it listens again, probes go through at once.
   */
  baseResetTimeoutMs: number;
  /** Probes allowed at once while half-open. Default 1. */
  halfOpenMaxProbes: number;
}

/** The end users' sessions (`manager.as(identity)`). */
export interface UsersConfig {
  /**
   * Sessions authenticated as end users kept at once, every user together (in use or idle): each is a
   * session on the server, counted under `pool.maxSessionsPerEndpoint`. At the bound a new user's call
   * evicts the least recently used user's idle session, or waits up to `pool.connectionTimeoutMs`.
   * Default 1,024.
   */
  maxSessions: number;
}

/** What `ConnectionManager.create()` accepts. Everything is optional; see README for defaults. */
export interface ConnectionManagerOptions {
  mode?: ConnectionMode;
  credentials?: CredentialsOption;
  /** Namespace every lease starts in. Default "surreal_pool". */
  namespace?: string;
  /** Database every lease starts in. Default "main". */
  database?: string;
  pool?: Partial<Omit<PoolOptions, "retryPolicy">> & { retryPolicy?: Partial<RetryPolicy> };
  circuitBreaker?: Partial<CircuitBreakerOptions>;
  /** The connections kept for `manager.live()` (README "Live queries"). */
  live?: Partial<LiveConfig>;
  /** The sessions kept for end users, `manager.as(identity)` (README "End users"). */
  users?: Partial<UsersConfig>;
  /**
   * A logger (a pino logger as it is, or anything with pino's `child`, `debug`, `info`, `warn`, `error`);
   * the pool logs through `logger.child({ component: "surreal-pool" })`. Silent by default.
   */
  logger?: Logger;
  /** An XState inspection observer (e.g. from `@statelyai/inspect`), attached to every machine the pool creates. */
  // biome-ignore lint/suspicious/noExplicitAny: XState's InspectionEvent observer type is generic over all actors.
  inspect?: ((event: any) => void) | { next?: (event: any) => void };
}
