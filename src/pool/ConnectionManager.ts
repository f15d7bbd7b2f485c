import type { Observable, Subscription } from "rxjs";
import { createBalancer } from "../balancer/createBalancer.js";
import { CircuitBreaker } from "../breaker/CircuitBreaker.js";
import type { ConnectionManagerOptions } from "../config/options.js";
import { type ResolvedConfig, resolveConfig } from "../config/resolveConfig.js";
import type { PooledDb } from "../connection/Connector.js";
import { createConnector } from "../connection/createConnector.js";
import type { DashboardOptions, DashboardServer } from "../dashboard/serveDashboard.js";
import { ConfigError } from "../errors/ConfigError.js";
import { OperationTimeoutError } from "../errors/OperationTimeoutError.js";
import { EventBus } from "../events/EventBus.js";
import type { PoolEvent } from "../events/PoolEvent.js";
import { type HealthStatus, healthStatusOf } from "../observers/healthStatus.js";
import { logEvents } from "../observers/logging.js";
import { PoolMetrics } from "../observers/PoolMetrics.js";
import { classifyError } from "../retry/isTransient.js";
import { RetryBudget } from "../retry/RetryBudget.js";
import { type RetryInfo, retry } from "../retry/retry.js";
import { HybridSync } from "../sync/HybridSync.js";
import type { SyncReport, UnsyncedRemote } from "../sync/SyncReport.js";
import { withDeadline } from "../util/withDeadline.js";
import { type AcquireOptions, ConnectionPool, type ShutdownReport } from "./ConnectionPool.js";
import { type HedgeOptions, hedge, LatencyTracker } from "./hedge.js";
import { registerInternals } from "./internals.js";
import type { Lease } from "./Lease.js";

export interface ExecuteOptions {
  /** Aborts the current attempt's acquire and any backoff wait. */
  signal?: AbortSignal;
  /**
   * Deadline of each attempt's `fn`, ms. A query on a socket that went silent otherwise waits until
   * the network heals; past the deadline the attempt fails with `OperationTimeoutError` (transient:
   * retried on another connection) and its connection is discarded. Default: none.
   */
  timeoutMs?: number;
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
  readonly #pool: ConnectionPool;
  readonly #metrics: PoolMetrics;
  readonly #subscriptions: Subscription[] = [];
  readonly #breakers = new Map<string, CircuitBreaker>();
  readonly #beforeShutdown = new Set<(timeoutMs: number) => Promise<void>>();
  /** Keeps retries from multiplying load in an outage: at most ~20% of recent calls (min 10/s). */
  readonly #retryBudget = new RetryBudget();
  readonly #latency = new LatencyTracker();
  /** Hybrid mode's sync to the remotes; undefined in the other modes. */
  readonly #sync: HybridSync | undefined;

  private constructor(config: ResolvedConfig) {
    this.config = config;
    this.#bus = new EventBus<PoolEvent>();
    this.events$ = this.#bus.events$;
    // Metrics subscribe first, before any event exists, so the fold sees the whole stream.
    this.#metrics = new PoolMetrics(this.events$);
    if (config.logger) this.#subscriptions.push(logEvents(this.events$, config.logger));
    const endpoints = endpointsOf(config);
    for (const endpoint of endpoints) {
      const breaker = new CircuitBreaker({
        endpoint,
        failureThreshold: config.circuitBreaker.failureThreshold,
        resetTimeoutMs: config.circuitBreaker.resetTimeoutMs,
        halfOpenMaxProbes: config.circuitBreaker.halfOpenMaxProbes,
        inspect: config.inspect as never,
      });
      this.#breakers.set(endpoint, breaker);
    }
    const connectors = endpoints.map((e) => createConnector(e, config));
    if (config.mode.kind === "hybrid") {
      // The pool serves the local store through the sync's connector: one engine for both, and the
      // final sync runs after leased work drained and before the store closes.
      this.#sync = new HybridSync({ config, publish: this.#publish });
      connectors[0] = this.#sync.connector;
    }
    this.#pool = new ConnectionPool({
      connectors,
      pool: config.pool,
      publish: this.#publish,
      balancer: config.mode.kind === "remote" ? createBalancer(config.mode.loadBalancing) : undefined,
      admitsConnect: (endpoint) => this.#breakers.get(endpoint)?.tryPass() ?? true,
      onOutcome: (endpoint, error) => this.#recordOutcome(endpoint, error),
      unavailableError: () => this.#unavailableError(),
      inspect: config.inspect,
    });
    for (const breaker of this.#breakers.values()) {
      this.#subscriptions.push(
        breaker.transitions$.subscribe((transition) => {
          this.#bus.emit(transition);
          this.#pool.setAvailable(transition.endpoint, transition.to !== "open");
        }),
      );
    }
    registerInternals(this, {
      publish: this.#publish,
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
  static async create(options?: ConnectionManagerOptions): Promise<ConnectionManager> {
    const config = resolveConfig(options);
    const manager = new ConnectionManager(config);
    manager.#bus.emit({
      type: "pool.started",
      ts: Date.now(),
      mode: config.mode.kind,
      endpoints: endpointsOf(config),
      minConnections: config.pool.minConnections,
      maxConnections: config.pool.maxConnections,
    });
    try {
      await manager.#pool.start();
    } catch (error) {
      manager.#stopObservers();
      throw error;
    }
    if (manager.#sync) {
      // Before create() resolves, so the change feed records every write the application makes.
      try {
        await manager.#sync.start();
      } catch (error) {
        await manager.#pool.shutdown({ timeoutMs: 5_000 });
        manager.#stopObservers();
        throw error;
      }
    }
    return manager;
  }

  /**
   * Hybrid mode: ships local changes to every remote now, each remote independently, and resolves
   * when each has finished a pass that started after this call: what each received (records,
   * batches), or why it could not be reached. Never rejects for a remote's failure.
   */
  syncNow(): Promise<SyncReport> {
    if (!this.#sync) {
      return Promise.reject(
        new ConfigError([{ path: "mode.kind", message: 'syncNow() needs mode.kind "hybrid"' }]),
      );
    }
    return this.#sync.syncNow();
  }

  /**
   * Borrows a connection: `await using lease = await manager.acquire()` (TypeScript) or
   * `try { ... } finally { await lease.release() }`. Waits in FIFO order up to `connectionTimeoutMs`.
   */
  acquire(options?: AcquireOptions): Promise<Lease> {
    return this.#pool.acquire(options);
  }

  /**
   * Runs `fn` on a leased connection, retrying transient failures (connection lost, timeouts,
   * transaction conflicts) with exponential backoff and full jitter; never retries query, permission,
   * not-found, already-exists or authentication errors. A connection that failed transiently is
   * discarded rather than returned.
   */
  async executeWithRetry<T>(fn: (db: PooledDb) => Promise<T>, options: ExecuteOptions = {}): Promise<T> {
    const started = performance.now();
    let attempts = 0;
    let endpoint: string | undefined;
    try {
      const result = await retry(
        async (attempt) => {
          attempts = attempt;
          // The caller's own signal, not retry()'s stand-in: that one is a single never-aborted signal
          // shared by every call, and each queued acquire adds a listener to it (MaxListenersExceeded
          // warnings once 11 calls wait at the same time).
          const lease = await this.#pool.acquire({ signal: options.signal });
          endpoint = lease.endpoint;
          const began = performance.now();
          try {
            const value = await runWithin(fn(lease.db), options.timeoutMs, lease.endpoint);
            this.#latency.observe(performance.now() - began);
            this.#recordOutcome(lease.endpoint, undefined);
            await lease.release();
            return value;
          } catch (error) {
            this.#recordOutcome(lease.endpoint, error);
            await (isConnectionLevel(error) ? lease.discard() : lease.release());
            throw error;
          }
        },
        {
          policy: this.config.pool.retryPolicy,
          signal: options.signal,
          budget: this.#retryBudget,
          onRetry: (info: RetryInfo) =>
            this.#bus.emit({
              type: "operation.retried",
              ts: Date.now(),
              attempt: info.attempt,
              delayMs: info.delayMs,
              error: asError(info.error),
              endpoint,
            }),
        },
      );
      this.#bus.emit({
        type: "operation.succeeded",
        ts: Date.now(),
        attempts,
        durationMs: performance.now() - started,
        endpoint,
      });
      return result;
    } catch (error) {
      this.#bus.emit({
        type: "operation.failed",
        ts: Date.now(),
        attempts,
        durationMs: performance.now() - started,
        error: asError(error),
        endpoint,
      });
      throw error;
    }
  }

  /**
   * Runs an idempotent read with a hedge: when the first attempt has not answered within the
   * `percentile` of recent latencies, the same call also starts on another endpoint's connection and
   * the first answer wins (the loser's lease is released when it finishes). Only for calls that are
   * safe to run twice.
   */
  executeHedged<T>(fn: (db: PooledDb) => Promise<T>, options: HedgeOptions = {}): Promise<T> {
    return hedge(fn, {
      ...options,
      acquire: (avoidEndpoints, signal) => this.#pool.acquire({ signal, avoidEndpoints }),
      latency: this.#latency,
      onOutcome: (endpoint, error) => this.#recordOutcome(endpoint, error),
      publish: this.#publish,
    });
  }

  /** Live health: state, sizes, waiting callers, per-endpoint detail with breaker states. */
  healthStatus(): HealthStatus {
    const status = healthStatusOf(this.#pool, (endpoint) => this.#breakers.get(endpoint)?.state ?? "closed");
    return this.#sync ? { ...status, sync: this.#sync.health() } : status;
  }

  /** Each endpoint's breaker: state, consecutive failures, when it opened and will probe again. */
  breakers(): ReturnType<CircuitBreaker["toJSON"]>[] {
    return [...this.#breakers.values()].map((b) => b.toJSON());
  }

  #recordOutcome(endpoint: string, error: unknown): void {
    const breaker = this.#breakers.get(endpoint);
    if (!breaker) return;
    if (error === undefined) breaker.recordSuccess();
    else breaker.recordFailure(error);
  }

  /** Every breaker is open: fail with the one that will probe again soonest. */
  #unavailableError(): Error {
    const errors = [...this.#breakers.values()].map((b) => b.openError());
    errors.sort((a, b) => (a.retryAfterMs ?? Infinity) - (b.retryAfterMs ?? Infinity));
    return errors[0] ?? new Error("no endpoint is available");
  }

  /** The metrics, a fold over `events$`: `snapshot()` for the numbers. */
  metrics(): PoolMetrics {
    return this.#metrics;
  }

  /**
   * Serves a live dashboard of this pool at the returned `url` (default 127.0.0.1, a free port): one
   * self-contained page fed by Server-Sent Events from `events$`. `close()` ends it; shutting the pool
   * down does not. Loaded on first use, so pools that never call it carry none of it.
   */
  async serveDashboard(options?: DashboardOptions): Promise<DashboardServer> {
    const { serveDashboard } = await import("../dashboard/serveDashboard.js");
    const extras = {
      connections: () => this.#pool.connections(),
      prometheus: () => this.#metrics.prometheus(),
    };
    return serveDashboard(this, extras, options);
  }

  /** Runs one health pass now (the pool also runs one every `healthCheckIntervalMs`). */
  healthCheck(): Promise<{ passed: number; failed: number }> {
    return this.#pool.healthCheck();
  }

  /**
   * Refuses new acquires, rejects waiting ones, lets leased work finish for up to `timeoutMs`
   * (default 30 000), then closes everything. The report lists any lease it had to take back.
   */
  async shutdown(
    options: { timeoutMs?: number } = {},
  ): Promise<ShutdownReport & { unsynced?: UnsyncedRemote[] }> {
    const timeoutMs = options.timeoutMs ?? 30_000;
    // Open agent sessions close first, so their logs flush while connections still exist.
    await Promise.allSettled([...this.#beforeShutdown].map((hook) => hook(timeoutMs)));
    // Hybrid: the final sync runs inside the pool's shutdown, after the drain, within what is left.
    this.#sync?.setDeadline(performance.now() + timeoutMs);
    const report = await this.#pool.shutdown(options);
    // The pool's shutdown ran the final sync (disposing the local store); this is its result.
    const unsynced = await this.#sync?.finish();
    this.#stopObservers();
    return unsynced ? { ...report, unsynced } : report;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown().then(() => undefined);
  }

  #stopObservers(): void {
    for (const s of this.#subscriptions.splice(0)) s.unsubscribe();
    for (const breaker of this.#breakers.values()) breaker.stop();
    this.#bus.complete();
  }
}

function endpointsOf(config: ResolvedConfig): string[] {
  switch (config.mode.kind) {
    case "local":
      return [config.mode.endpoint];
    case "remote":
      return config.mode.endpoints;
    case "hybrid":
      return [config.mode.localCache];
  }
}

/** Settles like `work`, or rejects with `OperationTimeoutError` after `timeoutMs` (when given). */
function runWithin<T>(work: Promise<T>, timeoutMs: number | undefined, endpoint: string): Promise<T> {
  if (timeoutMs === undefined) return work;
  return withDeadline(work, timeoutMs, () => new OperationTimeoutError(timeoutMs, endpoint));
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

/** Errors that say the connection itself is unusable (dropped, or stopped answering): don't return it. */
function isConnectionLevel(error: unknown): boolean {
  const { category } = classifyError(error);
  return category === "connection" || category === "timeout";
}
