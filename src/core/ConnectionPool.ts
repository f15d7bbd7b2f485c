import type { PoolOptions } from "../config/options.js";
import { AcquireAbortedError } from "../errors/AcquireAbortedError.js";
import { classifyError } from "../errors/classifyError.js";
import { PoolClosedError } from "../errors/PoolClosedError.js";
import { PoolSaturatedError } from "../errors/PoolSaturatedError.js";
import type { PoolEvent, RetireReason } from "../events/PoolEvent.js";
import { captureStack } from "../util/captureStack.js";
import { unrefClock } from "../util/unrefClock.js";
import { AcquireWaiter, AcquireWaiters } from "./AcquireWaiters.js";
import { acquireTimeoutError, unavailableError, warmUpError } from "./acquireErrors.js";
import { type AcquireOptions, type AcquireRequest, parseAcquireOptions } from "./acquireOptions.js";
import type { Balancer } from "./balancer/Balancer.js";
import { RoundRobinBalancer } from "./balancer/RoundRobinBalancer.js";
import { ConnectionLifecycle } from "./ConnectionLifecycle.js";
import { type ConnectionPoolOptions, DEFAULT_BREAKER, type PoolState } from "./ConnectionPoolOptions.js";
import type { CoreLease } from "./CoreLease.js";
import { closeEndpoints, type ShutdownReport, takeBackLeases } from "./closeEndpoints.js";
import { DrainWait } from "./DrainWait.js";
import { Endpoint } from "./Endpoint.js";
import { EndpointCounts } from "./EndpointCounts.js";
import { Housekeeper } from "./Housekeeper.js";
import { leaseReleased } from "./leaseReleased.js";
import type { PooledConnection } from "./PooledConnection.js";
import type { LeaseOwner, UnitHooks } from "./UnitHooks.js";

export type { AcquireOptions } from "./acquireOptions.js";
export type { ConnectionPoolOptions, PoolState } from "./ConnectionPoolOptions.js";
export type { AbandonedLease, ShutdownReport } from "./closeEndpoints.js";

const RESOLVED = Promise.resolve();

/**
 * The pool proper: Endpoints (each with its connections and breaker), the waiters, and ONE dispatch
 * (`#dispatch`) that decides which waiter gets which connection and whether to open one; every change
 * (a release, a connection opening or closing, a breaker moving, a waiter arriving, a timer) ends in
 * it. Periodic work lives in the Housekeeper; leasing is bookkeeping (not a machine transition) and
 * every lease is still an event on `events$`.
 */
export class ConnectionPool<L extends CoreLease = CoreLease> extends EndpointCounts implements LeaseOwner {
  readonly endpoints: readonly Endpoint[];
  readonly #options: PoolOptions;
  readonly #publish: (event: PoolEvent) => void;
  readonly #hooks: UnitHooks<L>;
  readonly #balancer: Balancer;
  readonly #inspect: unknown;
  readonly #closeTimeoutMs: number;
  readonly #waiters: AcquireWaiters<L>;
  readonly #housekeeper: Housekeeper;
  readonly #lifecycle: ConnectionLifecycle;
  #state: PoolState = "starting";
  #requestSeq = 0;
  #dispatching = false;
  #dispatchAgain = false;
  /** Resolves the shutdown's wait once no lease is out and no check is running; keeps cut-off calls. */
  readonly #drain = new DrainWait(() =>
    this.endpoints.every((endpoint) => endpoint.leased === 0 && endpoint.checking === 0),
  );
  #shutdown: Promise<ShutdownReport> | undefined;
  #shutdownStarted = 0;
  /** Draining has reached the connections: idle ones retire, returned ones too. */
  #closing = false;
  readonly #defaultRequest: AcquireRequest;

  constructor(options: ConnectionPoolOptions<L>) {
    super();
    this.#options = options.pool;
    this.#publish = options.publish;
    this.#hooks = options.hooks;
    this.#waiters = new AcquireWaiters<L>(
      {
        onTimeout: (w) =>
          this.#waiters.failOne(
            w,
            "timeout",
            acquireTimeoutError(w.request.timeoutMs, this, this.#options.maxConnections),
          ),
        onAbort: (w) => this.#waiters.failOne(w, "aborted", new AcquireAbortedError(w.signal?.reason)),
      },
      this.#publish,
    );
    this.#balancer = options.balancer ?? new RoundRobinBalancer();
    this.#inspect = options.inspect;
    this.#closeTimeoutMs = options.closeTimeoutMs ?? 5_000;
    this.#defaultRequest = parseAcquireOptions(undefined, this.#options);
    this.endpoints = Endpoint.each(options.connectors, {
      breaker: {
        ...(options.circuitBreaker ?? DEFAULT_BREAKER),
        inspect: options.inspect,
        // With allowExitOnIdle, an open breaker's wait for its probe does not hold the process.
        ...(options.pool.allowExitOnIdle ? { clock: unrefClock } : {}),
      },
      onBreakerTransition: (transition) => {
        this.#publish(transition);
        // The breaker lets a probe through now: a connect backoff from the outage must not hold it.
        if (transition.to === "halfOpen") this.#lifecycle.stopRetrying();
        this.#dispatch();
      },
      maxUnits: options.pool.maxSessionsPerEndpoint,
      onRoom: () => this.#dispatch(),
    });
    this.#lifecycle = new ConnectionLifecycle({
      endpoints: this.endpoints,
      options: this.#options,
      closeTimeoutMs: this.#closeTimeoutMs,
      inspect: this.#inspect,
      publish: this.#publish,
      running: () => this.#state === "running",
      changed: () => this.#dispatch(),
      opened: (connection) => {
        this.#hooks.opened(connection);
        this.#housekeeper.opened(connection);
      },
      left: () => this.#drain.check(),
    });
    const idle = this.#options.idleTimeoutMs;
    this.#housekeeper = new Housekeeper({
      endpoints: this.endpoints,
      options: this.#options,
      lifecycle: this.#lifecycle,
      publish: this.#publish,
      running: () => this.#state === "running",
      dispatch: () => this.#dispatch(),
      intervalMs: options.housekeepingIntervalMs ?? Math.min(1_000, idle ? idle / 2 : 1_000),
    });
  }

  // --- lifecycle ----------------------------------------------------------------------------------

  /**
   * Starts housekeeping and fills the pool to `minConnections`. With `warmConnections` it waits for
   * them and fails fast with `ConnectError` (the pool shut down again) when none of them can be opened.
   */
  async start(): Promise<void> {
    this.#state = "running";
    this.#housekeeper.start();
    if (!this.#options.warmConnections) {
      this.#dispatch();
      return;
    }
    const failed = await this.#lifecycle.warmUp(this.#options.minConnections);
    if (failed) {
      await this.shutdown({ timeoutMs: this.#closeTimeoutMs });
      throw warmUpError(this.endpoints, failed.error, failed.tried);
    }
  }

  get state(): PoolState {
    return this.#state;
  }

  // --- acquire ------------------------------------------------------------------------------------

  /**
   * Borrows a connection. `internal`: the library's own work during shutdown (agent logs flushing
   * while their sessions close), served until the drain begins although every other acquire is refused.
   */
  acquire(options?: AcquireOptions, internal = false): Promise<L> {
    let request: AcquireRequest;
    try {
      // Refused before anything changes: a bad argument costs no request id, no event, no slot.
      request = options === undefined ? this.#defaultRequest : parseAcquireOptions(options, this.#options);
    } catch (error) {
      return Promise.reject(error);
    }
    const requestId = ++this.#requestSeq;
    if (this.#state !== "running" && !(internal && this.#state === "draining" && !this.#closing)) {
      return Promise.reject(this.#refuse(requestId));
    }
    // An already-aborted signal wins even over a free connection: the caller no longer wants one.
    if (request.signal?.aborted) {
      const error = new AcquireAbortedError(request.signal.reason);
      return Promise.reject(this.#waiters.published(requestId, "aborted", false, 0, error));
    }
    const unavailable = unavailableError(this.endpoints);
    if (unavailable)
      return Promise.reject(this.#waiters.published(requestId, "unavailable", false, 0, unavailable));
    const start = performance.now();
    const stack = this.#options.leakDetectionThresholdMs === null ? undefined : captureStack();
    // Dispatch's rule for a request with nobody ahead of it: an idle connection, now. FIFO: while anyone
    // waits, a newcomer queues behind them instead of taking a returning connection.
    if (this.#waiters.size === 0) {
      const found = this.#takeIdle(start, request.avoidEndpoints);
      if (found) {
        const lease = this.#grant(found, requestId, start, false, stack, request, start);
        return Promise.resolve(this.#hooks.prepare(found, lease, request));
      }
    }
    const limit = this.#options.maxWaitingClients;
    if (limit !== null && this.#waiters.size >= limit) {
      const error = new PoolSaturatedError(this.#waiters.size, limit);
      return Promise.reject(this.#waiters.published(requestId, "saturated", false, 0, error));
    }
    return new Promise<L>((resolve, reject) => {
      const waiter = new AcquireWaiter(resolve, reject, requestId, start, request, stack);
      this.#waiters.add(waiter, request.timeoutMs, request.signal, start);
      this.#publish({ type: "acquire.queued", ts: Date.now(), requestId, waiting: this.#waiters.size });
      this.#dispatch();
    });
  }

  #refuse(requestId: number): Error {
    const error = new PoolClosedError(this.#state === "draining" ? "draining" : "closed");
    return this.#waiters.published(requestId, "closed", false, 0, error);
  }

  // --- the dispatch -------------------------------------------------------------------------------

  /**
   * The one place where a waiter meets a connection and where the pool decides to open one. Called
   * after every change; re-entrant calls (an event subscriber acquiring synchronously) run once more
   * after the current pass instead of nesting.
   */
  #dispatch(): void {
    if (this.#dispatching) {
      this.#dispatchAgain = true;
      return;
    }
    this.#dispatching = true;
    try {
      do {
        this.#dispatchAgain = false;
        if (this.#state === "running") {
          this.#serveWaiters();
          this.#failHopelessWaiters();
          this.#openForDemand();
        } else if (this.#state === "draining" && !this.#closing) {
          // Refusing new work, but the library's own shutdown work (agent logs) is still served.
          this.#serveWaiters();
        } else if (this.#state === "draining") {
          for (const endpoint of this.endpoints) {
            for (let c = endpoint.popIdle(); c; c = endpoint.popIdle()) this.#retire(c, "shutdown");
          }
          this.#drain.check();
        }
      } while (this.#dispatchAgain);
    } finally {
      this.#dispatching = false;
    }
  }

  /** Oldest waiter first, each to an idle connection fit to lease now. */
  #serveWaiters(): void {
    for (let waiter = this.#waiters.peek(); waiter; waiter = this.#waiters.peek()) {
      const now = performance.now();
      const connection = this.#takeIdle(now, waiter.request.avoidEndpoints);
      if (!connection) return;
      this.#waiters.shift();
      const lease = this.#grant(
        connection,
        waiter.requestId,
        waiter.start,
        true,
        waiter.stack,
        waiter.request,
        now,
      );
      // A lease with no namespace to switch is handed over as it is: no promise in between.
      const ready = this.#hooks.prepare(connection, lease, waiter.request);
      if (ready === lease) waiter.resolve(lease);
      else (ready as Promise<L>).then(waiter.resolve, waiter.reject);
    }
  }

  /**
   * Waiting acquires that no connection can serve fail now instead of at their timeout: every breaker
   * is open, or a connect failed in a way no retry fixes (refused credentials, a bad URL) and none is open.
   */
  #failHopelessWaiters(): void {
    if (this.#waiters.size === 0) return;
    const unavailable = unavailableError(this.endpoints);
    if (unavailable) {
      this.#waiters.failEvery("unavailable", () => unavailableError(this.endpoints) ?? unavailable);
      return;
    }
    if (this.size > 0) return;
    const refused = this.endpoints.find(
      (e) => e.lastConnectError && classifyError(e.lastConnectError).category === "config",
    )?.lastConnectError;
    if (refused) this.#waiters.failEvery("unavailable", () => refused);
  }

  /** Opens connections while there is demand (waiters, or fewer than minConnections) and room. */
  #openForDemand(): void {
    if (this.#lifecycle.backingOff) return; // after a failed connect
    const pending = this.pending;
    const total = this.size + pending;
    // Connections being pinged or reset will most likely come back: count them as on their way.
    const forWaiters = this.#waiters.size - pending - this.checking;
    // Retiring connections are leaving: they count toward the maximum, not toward the minimum.
    const forMinimum = this.#options.minConnections - (total - this.retiring);
    let want = Math.min(Math.max(forWaiters, forMinimum), this.#options.maxConnections - total);
    while (want-- > 0) if (!this.#lifecycle.open()) break;
  }

  /** Pops an idle connection that is fit to lease now; unfit ones are retired or sent for a ping. */
  #takeIdle(now: number, avoid: readonly string[] | undefined): PooledConnection | undefined {
    for (;;) {
      const endpoint = this.#pickIdleEndpoint(avoid);
      const connection = endpoint?.popIdle();
      if (!endpoint || !connection) return undefined;
      if (now >= connection.expiresAt) {
        this.#retire(connection, "lifetime");
      } else if (now - connection.verifiedAt > this.#options.validateAfterIdleMs) {
        void this.#housekeeper.check(connection, endpoint);
      } else {
        return connection;
      }
    }
  }

  #pickIdleEndpoint(avoid: readonly string[] | undefined): Endpoint | undefined {
    const endpoints = this.endpoints;
    if (endpoints.length === 1) {
      const only = endpoints[0]!;
      return only.idle > 0 && only.canServe() ? only : undefined;
    }
    const usable = endpoints.filter((e) => e.idle > 0 && e.canServe());
    const preferred = avoid?.length ? usable.filter((e) => !avoid.includes(e.endpoint)) : usable;
    return this.#balancer.pick(preferred.length > 0 ? preferred : usable);
  }

  #grant(
    connection: PooledConnection,
    requestId: number,
    start: number,
    queued: boolean,
    stack: string | undefined,
    request: AcquireRequest,
    now = performance.now(),
  ): L {
    const lease = this.#hooks.lease(connection, this, now, stack, request);
    this.#lifecycle.endpointOf(connection).lease(connection, lease);
    this.#publish({
      type: "lease.acquired",
      ts: Date.now(),
      connectionId: connection.id,
      endpoint: connection.endpoint,
      requestId,
      reused: connection.uses > 1,
      queued,
      waitMs: now - start,
    });
    return lease;
  }

  // --- release ------------------------------------------------------------------------------------

  /** What happened on a lease (see leaseEvents.ts). */
  publish(event: PoolEvent): void {
    this.#publish(event);
  }

  cutOff(calls: readonly PromiseLike<unknown>[]): void {
    this.#drain.cutOff(calls);
  }

  release(connection: PooledConnection, lease: CoreLease, discard: boolean): Promise<void> {
    const endpoint = this.#lifecycle.endpointOf(connection);
    if (endpoint.leaseOf(connection) !== lease) return RESOLVED; // revoked already
    const now = performance.now();
    // Only latency-aware balancing reads the estimate: a single endpoint has nothing to choose from.
    if (this.endpoints.length > 1) endpoint.observeLatency(now - lease.acquiredAt, now);
    this.#publish(leaseReleased(lease, now, undefined));
    const verdict = discard ? "discard" : this.#hooks.returned(connection, lease as L);
    const resetting = this.#lifecycle.returned(connection, endpoint, verdict, this.#closing, now);
    if (resetting) return resetting;
    this.#dispatch();
    return RESOLVED;
  }

  // --- connections: the lifecycle opens and files them; the pool decides ---------------------------

  /** Files a connection as retiring and has its machine close it (its lease, if any, ended first). */
  #retire(connection: PooledConnection, reason: RetireReason): void {
    this.#lifecycle.retire(connection, reason);
  }

  // --- housekeeping -------------------------------------------------------------------------------

  /** Runs one health pass now: pings every idle connection. */
  healthCheck(): Promise<{ passed: number; failed: number }> {
    if (this.#state !== "running") return Promise.resolve({ passed: 0, failed: 0 });
    return this.#housekeeper.healthPass();
  }

  /** Runs one lifetime/idle/leak/rebalance pass now (tests drive it instead of waiting for the timer). */
  housekeep(): void {
    if (this.#state === "running") this.#housekeeper.pass();
  }

  // --- shutdown -----------------------------------------------------------------------------------

  /**
   * Stops taking work, synchronously: from this call on every acquire is refused (but the library's
   * own, see `acquire`), waiting ones are rejected, connects in flight are given up and housekeeping
   * stops. Connections stay until `shutdown()` drains them. The manager calls it before anything it
   * awaits, so nothing slips in between.
   */
  beginShutdown(): void {
    if (this.#state === "draining" || this.#state === "closed") return;
    this.#shutdownStarted = performance.now();
    this.#state = "draining";
    this.#publish({ type: "pool.shutdown", ts: Date.now(), phase: "draining", abandoned: 0 });
    this.#housekeeper.stop();
    this.#lifecycle.stopRetrying();
    this.#waiters.failEvery("closed", () => new PoolClosedError("draining"));
    this.#lifecycle.giveUpConnects();
  }

  /**
   * Drains and closes, all within `timeoutMs` (from `beginShutdown()`): leased work may finish until
   * then; leases still held are taken back and reported. Calling it again returns the same promise.
   */
  shutdown(options: { timeoutMs?: number } = {}): Promise<ShutdownReport> {
    this.#shutdown ??= this.#drainAndClose(options.timeoutMs ?? 30_000);
    return this.#shutdown;
  }

  async #drainAndClose(timeoutMs: number): Promise<ShutdownReport> {
    this.beginShutdown();
    this.#closing = true;
    this.#waiters.failEvery("closed", () => new PoolClosedError("draining"));
    const deadline = this.#shutdownStarted + timeoutMs;
    // Closing gets the last part of the budget (a socket's close takes a round trip), the drain the rest.
    const closeReserve = Math.min(this.#closeTimeoutMs, timeoutMs / 4);
    const closing = this.size + this.pending;
    this.#dispatch();
    await this.#drain.until(deadline - closeReserve);
    const retire = (connection: PooledConnection) => this.#retire(connection, "shutdown");
    const abandoned = takeBackLeases(this.endpoints, this.#publish, retire);
    await closeEndpoints(this.endpoints, retire, this.#drain.cutOffCalls, deadline);
    this.#state = "closed";
    this.#publish({ type: "pool.shutdown", ts: Date.now(), phase: "closed", abandoned: abandoned.length });
    return { durationMs: performance.now() - this.#shutdownStarted, closed: closing, abandoned };
  }

  // --- introspection: every count is derived from the Endpoints ------------------------------------

  get waiting(): number {
    return this.#waiters.size;
  }

  /** The lease holding `connection`, if any (the dashboard's seed). */
  leaseOf(connection: PooledConnection): CoreLease | undefined {
    return this.#lifecycle.endpointOf(connection)?.leaseOf(connection);
  }
}
