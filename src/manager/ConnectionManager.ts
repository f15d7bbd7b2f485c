import { Observable, type Subscription } from "rxjs";
import type { SurrealTransaction } from "surrealdb";
import { endpointsOf } from "../config/endpointsOf.js";
import { checkEventsObserver, type EventsObserverOf, guardEvents } from "../config/guardObservers.js";
import type { ConnectionManagerOptions } from "../config/options.js";
import { type ResolvedConfig, resolveConfig } from "../config/resolveConfig.js";
import { createBalancer } from "../core/balancer/createBalancer.js";
import type { BreakerStatus } from "../core/breaker/CircuitBreaker.js";
import { type AcquireOptions, ConnectionPool, type ShutdownReport } from "../core/ConnectionPool.js";
import { parseDashboardOptions } from "../dashboard/dashboardOptions.js";
import type { DashboardOptions, DashboardServer } from "../dashboard/serveDashboard.js";
import { ConfigError } from "../errors/ConfigError.js";
import { PoolClosedError } from "../errors/PoolClosedError.js";
import { EventBus } from "../events/EventBus.js";
import type { PoolEvent } from "../events/PoolEvent.js";
import type { LiveNotification } from "../live/LiveNotification.js";
import type { LiveOptions } from "../live/LiveOptions.js";
import { LiveRoom, type LiveRoomOptions } from "../live/LiveRoom.js";
import { type HealthStatus, healthStatusOf } from "../observers/healthStatus.js";
import { logEvents } from "../observers/logging.js";
import { PoolMetrics } from "../observers/PoolMetrics.js";
import type { HedgeOptions } from "../operations/hedge.js";
import { type ExecuteOptions, Operations } from "../operations/Operations.js";
import type { QueryOptions } from "../operations/query.js";
import { registerInternals } from "../session/managerInternals.js";
import type { PooledDb } from "../surreal/Connector.js";
import { createConnector } from "../surreal/createConnector.js";
import type { Lease } from "../surreal/lease/Lease.js";
import type { PooledLease } from "../surreal/lease/PooledLease.js";
import { openOwnSession } from "../surreal/openOwnSession.js";
import { SessionLeases } from "../surreal/SessionLeases.js";
import { HybridSync } from "../sync/HybridSync.js";
import type { SyncReport, UnsyncedRemote } from "../sync/SyncReport.js";
import type { TransactionOptions } from "../transaction/runTransaction.js";
import type { UserHandle } from "../users/EndUser.js";
import type { UserIdentity } from "../users/UserIdentity.js";
import { Users } from "../users/Users.js";
import { optionalDuration, optionsObject } from "../util/arguments.js";
import { withinDeadline } from "../util/withinDeadline.js";
import { KeepAlive } from "./KeepAlive.js";

export type { ExecuteOptions } from "../operations/Operations.js";
export type { QueryOptions } from "../operations/query.js";

/**
 * Receives every event from `pool.started` on: an RxJS observer, or a function. One that throws (or
 * rejects) never reaches the pool: its first failure is reported once (a process warning, and a warn
 * line with a logger), later ones are dropped.
 */
export type EventsObserver = EventsObserverOf<PoolEvent>;

export interface CreateOptions extends ConnectionManagerOptions {
  /**
   * Subscribed before the pool starts, so it sees every event (`pool.started`, the warm-up connects):
   * `foldMetrics` of what it recorded equals `metrics().snapshot()`. `events$` is hot and only shows
   * what happens after you subscribe to it.
   */
  events?: EventsObserver;
}

/**
 * The public facade: validated config in, a running pool out. Owns the event bus every observer
 * (metrics, logging, health, agent logs) is built from.
 */
export class ConnectionManager implements AsyncDisposable {
  readonly config: Readonly<ResolvedConfig>;
  /** Every pool event, as it happens. Hot: subscribers see events from the moment they subscribe. */
  readonly events$: Observable<PoolEvent>;
  readonly #bus: EventBus<PoolEvent>;
  /** The one publisher handed to the pool, the sync, hedging and the library's internals. */
  readonly #publish = (event: PoolEvent): void => this.#bus.emit(event);
  readonly #pool: ConnectionPool<PooledLease>;
  readonly #metrics: PoolMetrics;
  readonly #subscriptions: Subscription[] = [];
  /** executeWithRetry, query, executeHedged, transaction: one retry budget and latency record. */
  readonly #operations: Operations;
  readonly #beforeShutdown = new Set<(timeoutMs: number) => Promise<void>>();
  /** Hybrid mode's sync to the remotes; undefined in the other modes. */
  readonly #sync: HybridSync | undefined;
  #shutdown: Promise<ShutdownReport & { unsynced?: UnsyncedRemote[] }> | undefined;
  /** `live()` subscriptions and the connections kept for them (src/live). */
  readonly #live: LiveRoom;
  /** Dashboards served for this manager (being started, or serving): its shutdown closes them. */
  readonly #dashboards = new Set<Promise<DashboardServer>>();
  /** `pool.allowExitOnIdle`: holds the process while there is work (nothing else of the pool does). */
  readonly #keepAlive: KeepAlive | undefined;
  /** End users' sessions and handles (`as`, `forget`; src/users). */
  readonly #users: Users;

  private constructor(config: ResolvedConfig, events: EventsObserver | undefined) {
    this.config = config;
    this.#bus = new EventBus<PoolEvent>();
    this.events$ = this.#bus.events$;
    // The caller's observer and the metrics subscribe first, before any event exists, so both see
    // the whole stream.
    if (events) this.#subscriptions.push(this.events$.subscribe(guardEvents(events, config.logger)));
    this.#metrics = new PoolMetrics(this.#bus);
    if (config.logger) this.#subscriptions.push(logEvents(this.events$, config.logger));
    const endpoints = endpointsOf(config);
    const connectors = endpoints.map((e) => createConnector(e, config, this.#publish));
    if (config.mode.kind === "hybrid") {
      // The pool serves the local store through the sync's connector: one engine for both, and the
      // final sync runs after leased work drained and before the store closes.
      this.#sync = new HybridSync({ config, publish: this.#publish });
      connectors[0] = this.#sync.connector;
    }
    const balancer = config.mode.kind === "remote" ? createBalancer(config.mode.loadBalancing) : undefined;
    this.#pool = new ConnectionPool<PooledLease>({
      connectors,
      hooks: new SessionLeases(config.pool.connectTimeoutMs, this.#publish),
      pool: config.pool,
      publish: this.#publish,
      circuitBreaker: config.circuitBreaker,
      balancer,
      inspect: config.inspect,
    });
    const pool = this.#pool;
    this.#keepAlive = config.pool.allowExitOnIdle ? new KeepAlive(() => this.#busy()) : undefined;
    this.#operations = new Operations({
      pool,
      balancer,
      options: config.pool,
      publish: this.#publish,
      poke: () => this.#keepAlive?.poke(),
    });
    this.#live = new LiveRoom({
      endpoints: () => pool.endpoints,
      namespace: config.namespace,
      database: config.database,
      publish: this.#publish,
      settings: { ...config.live, connectTimeoutMs: config.pool.connectTimeoutMs },
      inspect: config.inspect as LiveRoomOptions["inspect"],
    });
    this.#users = new Users({
      config,
      endpoints: () => pool.endpoints,
      operations: this.#operations,
      publish: this.#publish,
    });
    // Live queries end first at shutdown (their streams complete), before the pool drains; so do end
    // users' live queries and idle sessions (their leased ones come back in the drain).
    this.#beforeShutdown.add(() => this.#live.shutdown());
    this.#beforeShutdown.add(() => this.#users.close());
    registerInternals(this, {
      publish: this.#publish,
      state: () => pool.state,
      acquireOwn: (options) => {
        this.#keepAlive?.poke();
        return pool.acquire(options, true);
      },
      openSession: (place) => openOwnSession(pool.endpoints, "agent", place),
      beforeShutdown: (hook) => {
        this.#beforeShutdown.add(hook);
        return () => this.#beforeShutdown.delete(hook);
      },
    });
  }

  /**
   * Validates the options (throwing `ConfigError` that lists every problem), opens the pool and, with
   * `warmConnections`, waits for `minConnections` to open (throwing `ConnectError` when they cannot).
   */
  static async create(options?: CreateOptions): Promise<ConnectionManager> {
    // `events` is not configuration: taken out before the options are validated (non-objects are
    // left to resolveConfig, which names them).
    const isObject = typeof options === "object" && options !== null && !Array.isArray(options);
    let events: EventsObserver | undefined;
    let rest: ConnectionManagerOptions = {};
    try {
      ({ events, ...rest } = isObject ? options : ({} as CreateOptions));
    } catch {
      // Options that cannot be read: resolveConfig says so, as a ConfigError.
      resolveConfig(options as ConnectionManagerOptions);
      throw new ConfigError([{ path: "", message: "options could not be read; pass a plain object" }]);
    }
    events = checkEventsObserver<PoolEvent>(events);
    const config = resolveConfig((isObject ? rest : options) as ConnectionManagerOptions | undefined);
    const manager = new ConnectionManager(config, events);
    manager.#bus.emit({
      type: "pool.started",
      ts: Date.now(),
      mode: config.mode.kind,
      endpoints: endpointsOf(config),
      minConnections: config.pool.minConnections,
      maxConnections: config.pool.maxConnections,
    });
    const starting = manager.#keepAlive?.hold();
    try {
      await manager.#pool.start();
    } catch (error) {
      starting?.();
      manager.#stopObservers();
      throw error;
    }
    if (manager.#sync) {
      // Before create() resolves, so the change feed records every write the application makes.
      try {
        await manager.#sync.start();
      } catch (error) {
        await manager.#pool.shutdown({ timeoutMs: 5_000 });
        starting?.();
        manager.#stopObservers();
        throw error;
      }
    }
    starting?.();
    return manager;
  }

  /**
   * Hybrid mode: ships local changes to every remote now, each remote independently, and resolves
   * when each has finished a pass that started after this call: what each received (records,
   * batches), or why it could not be reached. Never rejects for a remote's failure. In the other
   * modes there is no remote to be behind: it resolves at once with `{ ok: true, remotes: [] }`, so
   * code that runs in every mode (a flush before exit) needs no branch.
   */
  syncNow(): Promise<SyncReport> {
    if (!this.#sync) return Promise.resolve({ ok: true, remotes: [] });
    return this.#held(this.#sync.syncNow());
  }

  /**
   * Borrows a connection: `await using lease = await manager.acquire()` (TypeScript) or
   * `try { ... } finally { await lease.release() }`. Waits in FIFO order up to `connectionTimeoutMs`.
   */
  acquire(options?: AcquireOptions): Promise<Lease> {
    this.#keepAlive?.poke();
    return this.#pool.acquire(options);
  }

  /**
   * Runs `fn` on a leased connection, retrying transient failures (connection lost, timeouts,
   * transaction conflicts) with exponential backoff and full jitter; never retries query, permission,
   * not-found, already-exists or authentication errors. A connection that failed transiently is
   * discarded rather than returned.
   */
  executeWithRetry<T>(fn: (db: PooledDb) => Promise<T>, options?: ExecuteOptions): Promise<T> {
    return this.#operations.executeWithRetry(fn, options);
  }

  /**
   * Runs one stateless query in the pool's namespace/database and resolves with its results (as
   * `db.query(text, vars)` does). Remote endpoints of SurrealDB 3 (and embedded stores) run it on a
   * shared session of the least-loaded socket without taking a lease, many in flight per socket, with
   * the same deadline, retries, breakers, balancing and `operation.*` events as `executeWithRetry`. A
   * query's own `LET` and `USE` end with it; work that changes session state (`use`, `set`, `signin`,
   * transactions) or needs one session across calls takes a lease (`acquire`, `executeWithRetry`).
   */
  query<T extends unknown[] = unknown[]>(
    text: string,
    vars?: Record<string, unknown>,
    options?: QueryOptions,
  ): Promise<T> {
    const running = this.#operations.query<T>(text, vars, options);
    return this.#keepAlive ? this.#held(running) : running;
  }

  /** `work`, with the process held until it settles (`allowExitOnIdle`: a call in flight is work). */
  #held<T>(work: Promise<T>): Promise<T> {
    const release = this.#keepAlive?.hold();
    if (release) work.then(release, release);
    return work;
  }

  /**
   * Work the pool itself can see: a lease out, a caller waiting, a connection opening, being checked or
   * closing, a live query, or the pool starting or shutting down.
   */
  #busy(): boolean {
    const pool = this.#pool;
    if (pool.state !== "running") return pool.state !== "closed";
    return pool.size - pool.idle + pool.pending + pool.waiting > 0 || this.#live.health().subscriptions > 0;
  }

  /**
   * Runs an idempotent read with a hedge: when the first attempt has not answered within the
   * `percentile` of recent latencies, the same call also starts on another endpoint's connection and
   * the first answer wins (the loser's lease is released when it finishes). Only for calls that are
   * safe to run twice.
   */
  executeHedged<T>(fn: (db: PooledDb) => Promise<T>, options?: HedgeOptions): Promise<T> {
    return this.#operations.executeHedged(fn, options);
  }

  /**
   * Runs `fn` in a transaction on a leased connection: commits when `fn` resolves, cancels when it
   * throws, passes `timeoutMs` or `signal` aborts; a conflict (or a connection lost before the commit)
   * runs the whole `fn` again with the pool's retry policy, up to `maxAttempts`. See README, Transactions.
   */
  transaction<T>(fn: (tx: SurrealTransaction) => Promise<T>, options?: TransactionOptions): Promise<T> {
    return this.#operations.transaction(fn, options);
  }

  /**
   * A cold Observable of the changes of `table` (or of a `LIVE SELECT ...` statement): subscribing
   * registers the live query on a connection the pool keeps for live queries, unsubscribing (or
   * `options.signal`) kills it on the server. It survives a lost connection: registered again
   * elsewhere, with what was missed back-filled from the table's change feed or an explicit `gap`
   * notification (README "Live queries"). Throws `ArgumentError` for bad arguments.
   */
  live<T = Record<string, unknown>>(target: string, options?: LiveOptions): Observable<LiveNotification<T>> {
    const stream = this.#live.live(target, options) as Observable<LiveNotification<T>>;
    const keepAlive = this.#keepAlive;
    if (!keepAlive) return stream;
    // A subscriber waits for notifications: that is work (its subscription is in #busy from then on).
    return new Observable((subscriber) => {
      keepAlive.poke();
      return stream.subscribe(subscriber);
    });
  }

  /**
   * A handle acting as one end user (`{ token }`, or record-access credentials `{ access, variables }`
   * signed in once): its `query`, `acquire`, `executeWithRetry`, `transaction` and `live` run on
   * sessions authenticated as that user only, cached (bounded by `users.maxSessions`, least recently
   * used out, dropped at the token's `exp`). A bad identity is an `ArgumentError`, and nothing is
   * cached; a refused one fails that handle's calls with `AuthenticationFailedError`. README "End users".
   */
  as(identity: UserIdentity): UserHandle {
    return this.#users.as(identity);
  }

  /** Logout: every cached session of `identity` is closed (those in use when their calls end). */
  forget(identity: UserIdentity): boolean {
    return this.#users.forget(identity);
  }

  /** Live health: state, sizes, waiting callers, per-endpoint detail with breaker states. */
  healthStatus(): HealthStatus {
    const status = { ...healthStatusOf(this.#pool), live: this.#live.health(), users: this.#users.health() };
    return this.#sync ? { ...status, sync: this.#sync.health() } : status;
  }

  /** Each endpoint's breaker: state, consecutive failures, when it opened and will probe again. */
  breakers(): BreakerStatus[] {
    return this.#pool.endpoints.map((e) => e.breaker.toJSON());
  }

  /** The metrics, a fold over `events$`: `snapshot()` for the numbers. */
  metrics(): PoolMetrics {
    return this.#metrics;
  }

  /**
   * Serves a live dashboard of this pool at the returned `url` (default 127.0.0.1, a free port): one
   * self-contained page fed by Server-Sent Events from `events$`. It ends with `close()`, at the end of
   * an `await using` block, or when this manager shuts down (it shows this pool and nothing else).
   * Bad options are an `ArgumentError`; after `shutdown()` a `PoolClosedError`. Loaded on first use, so
   * pools that never call it carry none of it.
   */
  serveDashboard(options?: DashboardOptions): Promise<DashboardServer> {
    let parsed: DashboardOptions;
    try {
      parsed = parseDashboardOptions(options);
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.#shutdown)
      return Promise.reject(new PoolClosedError(this.#pool.state === "closed" ? "closed" : "draining"));
    const serving = this.#serveDashboard(parsed);
    this.#dashboards.add(serving);
    serving.catch(() => this.#dashboards.delete(serving));
    return serving;
  }

  async #serveDashboard(options: DashboardOptions): Promise<DashboardServer> {
    const { serveDashboard } = await import("../dashboard/serveDashboard.js");
    const extras = {
      connections: () =>
        this.#pool.connections().map((c) => ({
          id: c.id,
          endpoint: c.endpoint,
          state: c.state,
          lease: this.#pool.leaseOf(c) ?? null,
          uses: c.uses,
        })),
      prometheus: () => this.#metrics.prometheus(),
    };
    return serveDashboard(this, extras, options);
  }

  /** Runs one health pass now (the pool also runs one every `healthCheckIntervalMs`). */
  healthCheck(): Promise<{ passed: number; failed: number }> {
    return this.#pool.healthCheck();
  }

  /**
   * Refuses new acquires from this call on (synchronously, the pool's and agent sessions' alike),
   * rejects waiting ones, closes open agent sessions (their logs flush), lets leased work finish, runs
   * hybrid mode's final sync, then closes everything: all within `timeoutMs` (default 30 000) from the
   * call. The report lists any lease it had to take back. Calling it again returns the same promise.
   */
  shutdown(options?: { timeoutMs?: number }): Promise<ShutdownReport & { unsynced?: UnsyncedRemote[] }> {
    if (this.#shutdown) return this.#shutdown;
    let timeoutMs: number;
    try {
      const o = optionsObject<{ timeoutMs: number }>("shutdown(options)", options);
      timeoutMs = optionalDuration("shutdown(options).timeoutMs", o.timeoutMs, true) ?? 30_000;
    } catch (error) {
      return Promise.reject(error);
    }
    const deadline = performance.now() + timeoutMs;
    this.#pool.beginShutdown();
    this.#shutdown = this.#held(this.#closeAll(deadline));
    return this.#shutdown;
  }

  async #closeAll(deadline: number): Promise<ShutdownReport & { unsynced?: UnsyncedRemote[] }> {
    const started = performance.now();
    // Open agent sessions close first, so their logs flush while connections still exist.
    const left = () => Math.max(0, deadline - performance.now());
    const hooks = Promise.allSettled([...this.#beforeShutdown].map((hook) => hook(left())));
    // Not waited for past the deadline (closing live queries' sockets takes round trips and a close
    // handshake each); what is still running then goes on in the background, and an embedded engine is
    // closed only after it settled, so none of it reaches a closed engine.
    this.#pool.cutOff([hooks]);
    await withinDeadline(hooks, deadline);
    // Hybrid: the final sync runs inside the pool's shutdown, after the drain, within what is left.
    this.#sync?.setDeadline(deadline);
    const report = await this.#pool.shutdown({ timeoutMs: Math.max(0, deadline - started) });
    // The pool's shutdown ran the final sync (disposing the local store); this is its result.
    const unsynced = await this.#sync?.finish();
    // Its dashboards show this pool only: they end with it (their pages get the last frames first).
    await withinDeadline(this.#closeDashboards(), deadline);
    this.#stopObservers();
    const durationMs = performance.now() - started;
    return unsynced ? { ...report, durationMs, unsynced } : { ...report, durationMs };
  }

  #closeDashboards(): Promise<unknown> {
    const closing = [...this.#dashboards].map((serving) => serving.then((dashboard) => dashboard.close()));
    this.#dashboards.clear();
    return Promise.allSettled(closing);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown().then(() => undefined);
  }

  #stopObservers(): void {
    // Completing the bus completes every subscriber (the caller's `events` observer included) first.
    this.#bus.complete();
    for (const s of this.#subscriptions.splice(0)) s.unsubscribe();
    this.#metrics.stop();
    // Closed (or never started): nothing of the pool needs the process any more.
    this.#keepAlive?.stop();
  }
}
