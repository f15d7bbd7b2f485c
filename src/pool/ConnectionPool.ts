import type { Balancer } from "../balancer/Balancer.js";
import { RoundRobinBalancer } from "../balancer/RoundRobinBalancer.js";
import type { CircuitBreakerOptions, PoolOptions } from "../config/options.js";
import type { Connector } from "../connection/Connector.js";
import type { PooledConnection } from "../connection/PooledConnection.js";
import { sessionDrift } from "../connection/sessionDrift.js";
import { renewAuth } from "../credentials/renewAuth.js";
import { AcquireAbortedError } from "../errors/AcquireAbortedError.js";
import { classifyError } from "../errors/classifyError.js";
import { PoolClosedError } from "../errors/PoolClosedError.js";
import { PoolSaturatedError } from "../errors/PoolSaturatedError.js";
import type { AcquireFailed, PoolEvent, RetireReason } from "../events/PoolEvent.js";
import { unrefClock } from "../util/unrefClock.js";
import { acquireTimeoutError, unavailableError, warmUpError } from "./acquireErrors.js";
import { type AcquireOptions, type AcquireRequest, parseAcquireOptions } from "./acquireOptions.js";
import { ConnectionLifecycle, type LifecycleHost } from "./ConnectionLifecycle.js";
import { closeEndpoints, type ShutdownReport, takeBackLeases } from "./closeEndpoints.js";
import { DrainWait } from "./DrainWait.js";
import { Endpoint } from "./Endpoint.js";
import { Housekeeper, type HousekeeperHost } from "./Housekeeper.js";
import { LeakDetector } from "./LeakDetector.js";
import { leaseReleased } from "./leaseEvents.js";
import { connectionOf, type LeaseOwner, PooledLease } from "./PooledLease.js";
import { Rebalancer } from "./Rebalancer.js";
import { readyForBorrower } from "./readyForBorrower.js";
import { Waiter, Waiters } from "./Waiters.js";

export type { AcquireOptions } from "./acquireOptions.js";
export type { AbandonedLease, ShutdownReport } from "./closeEndpoints.js";

export interface ConnectionPoolOptions {
  connectors: Connector[];
  pool: PoolOptions;
  /** Each endpoint's breaker. Default 5 failures, 30 s open, 1 probe. */
  circuitBreaker?: CircuitBreakerOptions;
  publish: (event: PoolEvent) => void;
  balancer?: Balancer;
  // biome-ignore lint/suspicious/noExplicitAny: XState inspection observer.
  inspect?: any;
  /** Deadline of closing one connection. Default 5 000. */
  closeTimeoutMs?: number;
  /** Interval of the idle reaper, lifetime and leak checks. Default min(1 000, idleTimeoutMs / 2). */
  housekeepingIntervalMs?: number;
}

export type PoolState = "starting" | "running" | "draining" | "closed";

class AcquireWaiter extends Waiter<PooledLease> {
  constructor(
    resolve: (lease: PooledLease) => void,
    reject: (error: Error) => void,
    readonly requestId: number,
    readonly start: number,
    readonly request: AcquireRequest,
    readonly stack: string | undefined,
  ) {
    super(resolve, reject);
  }
}

const RESOLVED = Promise.resolve();
const NO_DRIFT: string[] = [];
const DEFAULT_BREAKER: CircuitBreakerOptions = {
  failureThreshold: 5,
  resetTimeoutMs: 30_000,
  baseResetTimeoutMs: 250,
  halfOpenMaxProbes: 1,
};

/**
 * The pool proper: Endpoints (each with its connections and breaker), the waiters, and ONE dispatch
 * (`#dispatch`) that decides which waiter gets which connection and whether to open one; every change
 * (a release, a connection opening or closing, a breaker moving, a waiter arriving, a timer) ends in
 * it. Periodic work lives in the Housekeeper; leasing is bookkeeping (not a machine transition) and
 * every lease is still an event on `events$`.
 */
export class ConnectionPool implements LeaseOwner {
  readonly endpoints: readonly Endpoint[];
  readonly #options: PoolOptions;
  readonly #publish: (event: PoolEvent) => void;
  readonly #balancer: Balancer;
  readonly #inspect: unknown;
  readonly #closeTimeoutMs: number;
  readonly #waiters = new Waiters<AcquireWaiter>({
    onTimeout: (waiter) => this.#failWaiter(waiter, "timeout", this.#timeoutError(waiter.request.timeoutMs)),
    onAbort: (waiter) => this.#failWaiter(waiter, "aborted", new AcquireAbortedError(waiter.signal?.reason)),
  });
  readonly #housekeeper: Housekeeper;
  readonly #rebalancer = new Rebalancer();
  readonly #lifecycle: ConnectionLifecycle;
  #state: PoolState = "starting";
  #requestSeq = 0;
  #dispatching = false;
  #dispatchAgain = false;
  /** Calls a lease stopped waiting for that still run: an engine is not closed under them. */
  readonly #cutOff = new Set<PromiseLike<unknown>>();
  /** Resolves the shutdown's wait once no lease is out and no check is running. */
  readonly #drain = new DrainWait(() =>
    this.endpoints.every((endpoint) => endpoint.leased === 0 && endpoint.checking === 0),
  );
  #shutdown: Promise<ShutdownReport> | undefined;
  #shutdownStarted = 0;
  /** Draining has reached the connections: idle ones retire, returned ones too. */
  #closing = false;
  readonly #defaultRequest: AcquireRequest;

  constructor(options: ConnectionPoolOptions) {
    this.#options = options.pool;
    this.#publish = options.publish;
    this.#balancer = options.balancer ?? new RoundRobinBalancer();
    this.#inspect = options.inspect;
    this.#closeTimeoutMs = options.closeTimeoutMs ?? 5_000;
    this.#defaultRequest = parseAcquireOptions(undefined, this.#options);
    const breaker = options.circuitBreaker ?? DEFAULT_BREAKER;
    this.endpoints = options.connectors.map(
      (connector) =>
        new Endpoint({
          connector,
          // With allowExitOnIdle, an open breaker's wait for its probe does not hold the process.
          breaker: {
            ...breaker,
            inspect: options.inspect,
            ...(options.pool.allowExitOnIdle ? { clock: unrefClock } : {}),
          },
          onBreakerTransition: (transition) => {
            this.#publish(transition);
            // The breaker lets a probe through now: a connect backoff from the outage must not hold it.
            if (transition.to === "halfOpen") this.#lifecycle.stopRetrying();
            this.#dispatch();
          },
        }),
    );
    this.#lifecycle = new ConnectionLifecycle(this.#lifecycleHost());
    const threshold = this.#options.leakDetectionThresholdMs;
    const leaks = threshold === null ? undefined : new LeakDetector(threshold, (e) => this.#publish(e));
    const idle = this.#options.idleTimeoutMs;
    const intervalMs = options.housekeepingIntervalMs ?? Math.min(1_000, idle ? idle / 2 : 1_000);
    this.#housekeeper = new Housekeeper(this.#housekeeperHost(), this.#rebalancer, leaks, intervalMs);
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
    const warm: PooledConnection[] = [];
    for (let i = 0; i < this.#options.minConnections; i++) {
      const connection = this.#lifecycle.open();
      if (connection) warm.push(connection);
    }
    const results = await Promise.allSettled(warm.map((c) => c.opened));
    const failure = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    // Fail fast when the endpoints cannot be reached at all. When some warm connections opened (one of
    // several endpoints is down, say), start: the pool refills with backoff, through the breakers.
    if (failure && results.every((r) => r.status === "rejected")) {
      await this.shutdown({ timeoutMs: this.#closeTimeoutMs });
      throw warmUpError(this.endpoints, failure.reason as Error, warm.length);
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
  acquire(options?: AcquireOptions, internal = false): Promise<PooledLease> {
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
      this.#publishFailure(requestId, "aborted", false, 0, error);
      return Promise.reject(error);
    }
    const unavailable = this.#unavailableError();
    if (unavailable) {
      this.#publishFailure(requestId, "unavailable", false, 0, unavailable);
      return Promise.reject(unavailable);
    }
    const start = performance.now();
    const stack = this.#options.leakDetectionThresholdMs === null ? undefined : captureStack();
    // Dispatch's rule for a request with nobody ahead of it: an idle connection, now. FIFO: while anyone
    // waits, a newcomer queues behind them instead of taking a returning connection.
    if (this.#waiters.size === 0) {
      const found = this.#takeIdle(start, request.avoidEndpoints);
      if (found)
        return Promise.resolve(
          readyForBorrower(
            this.#grant(found, requestId, start, false, stack, request, start),
            request,
            this.#renewExpiring,
          ),
        );
    }
    const limit = this.#options.maxWaitingClients;
    if (limit !== null && this.#waiters.size >= limit) {
      const error = new PoolSaturatedError(this.#waiters.size, limit);
      this.#publishFailure(requestId, "saturated", false, 0, error);
      return Promise.reject(error);
    }
    return new Promise<PooledLease>((resolve, reject) => {
      const waiter = new AcquireWaiter(resolve, reject, requestId, start, request, stack);
      this.#waiters.add(waiter, request.timeoutMs, request.signal, start);
      this.#publish({ type: "acquire.queued", ts: Date.now(), requestId, waiting: this.#waiters.size });
      this.#dispatch();
    });
  }

  #failWaiter(waiter: AcquireWaiter, reason: AcquireFailed["reason"], error: Error): void {
    if (waiter.settled) return;
    this.#publishFailure(waiter.requestId, reason, true, performance.now() - waiter.start, error);
    this.#waiters.fail(waiter, error);
  }

  #failAllWaiters(reason: AcquireFailed["reason"], errorFor: () => Error): void {
    const now = performance.now();
    this.#waiters.failAll((waiter) => {
      const error = errorFor();
      this.#publishFailure(waiter.requestId, reason, true, now - waiter.start, error);
      return error;
    });
  }

  #timeoutError(timeoutMs: number): Error {
    return acquireTimeoutError(timeoutMs, {
      endpoints: this.endpoints,
      size: this.size,
      pending: this.pending,
      maxConnections: this.#options.maxConnections,
      waiting: this.#waiters.size,
    });
  }

  #refuse(requestId: number): Error {
    const error = new PoolClosedError(this.#state === "draining" ? "draining" : "closed");
    this.#publishFailure(requestId, "closed", false, 0, error);
    return error;
  }

  #publishFailure(
    requestId: number,
    reason: AcquireFailed["reason"],
    queued: boolean,
    waitMs: number,
    error: Error,
  ): void {
    this.#publish({ type: "acquire.failed", ts: Date.now(), requestId, reason, queued, waitMs, error });
  }

  #unavailableError(): Error | undefined {
    return unavailableError(this.endpoints);
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
      const switched = readyForBorrower(lease, waiter.request, this.#renewExpiring);
      if (switched === lease) waiter.resolve(lease);
      else (switched as Promise<PooledLease>).then(waiter.resolve, waiter.reject);
    }
  }

  /**
   * Waiting acquires that no connection can serve fail now instead of at their timeout: every breaker
   * is open, or a connect failed in a way no retry fixes (refused credentials, a bad URL) and none is open.
   */
  #failHopelessWaiters(): void {
    if (this.#waiters.size === 0) return;
    const unavailable = this.#unavailableError();
    if (unavailable) {
      this.#failAllWaiters("unavailable", () => this.#unavailableError() ?? unavailable);
      return;
    }
    if (this.size > 0) return;
    const refused = this.endpoints.find(
      (e) => e.lastConnectError && classifyError(e.lastConnectError).category === "config",
    )?.lastConnectError;
    if (refused) this.#failAllWaiters("unavailable", () => refused);
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
  ): PooledLease {
    const lease = new PooledLease(connection, this, now, stack, request.queryTimeoutMs);
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

  readonly #renewExpiring = (lease: PooledLease) => this.reauthenticate(lease, "expiring");

  /** Signs a lease's connection in again (before use, or after a refusal as expired). */
  reauthenticate(lease: PooledLease, reason: "expiring" | "refused" = "refused"): Promise<void> {
    const connection = connectionOf(lease);
    return renewAuth(
      { connectionId: connection.id, endpoint: connection.endpoint, raw: connection.raw! },
      reason,
      this.#options.connectTimeoutMs,
      this.#publish,
    );
  }

  // --- release ------------------------------------------------------------------------------------

  /** What happened on a lease (see leaseEvents.ts). */
  publish(event: PoolEvent): void {
    this.#publish(event);
  }

  cutOff(calls: readonly PromiseLike<unknown>[]): void {
    for (const call of calls) {
      this.#cutOff.add(call);
      const forget = () => this.#cutOff.delete(call);
      call.then(forget, forget);
    }
  }

  release(lease: PooledLease, discard: boolean): Promise<void> {
    const connection = connectionOf(lease);
    const endpoint = this.#lifecycle.endpointOf(connection);
    if (endpoint.leaseOf(connection) !== lease) return RESOLVED; // revoked already
    const now = performance.now();
    // Only latency-aware balancing reads the estimate: a single endpoint has nothing to choose from.
    if (this.endpoints.length > 1) endpoint.observeLatency(now - lease.acquiredAt, now);
    this.#publish(leaseReleased(lease, now, undefined));
    const raw = connection.raw!;
    if (discard || !raw.db.isValid) {
      endpoint.observeFailure(now);
      this.#retire(connection, "broken");
    } else if (this.#options.maxUses !== null && connection.uses >= this.#options.maxUses) {
      this.#retire(connection, "maxUses");
    } else if (now >= connection.expiresAt) {
      this.#retire(connection, "lifetime");
    } else if (this.#closing) {
      this.#retire(connection, "shutdown");
    } else if (endpoint.surplus > 0) {
      endpoint.surplus--;
      this.#retire(connection, "rebalance");
    } else {
      // A lease that called no session-changing method has nothing to undo (the handle saw every call).
      const undo = lease.sessionChanged ? sessionDrift(raw.db, raw.baseline) : NO_DRIFT;
      if (undo.length > 0) return this.#resetThenReturn(connection, endpoint, undo);
      endpoint.toIdle(connection, now, true);
    }
    this.#dispatch();
    return RESOLVED;
  }

  #resetThenReturn(connection: PooledConnection, endpoint: Endpoint, undo: string[]): Promise<void> {
    endpoint.toChecking(connection);
    return connection.reset(undo).then((ok) => {
      if (ok && connection.place === "checking") endpoint.toIdle(connection, performance.now(), true);
      this.#dispatch();
    });
  }

  // --- connections: the lifecycle opens and files them; the pool decides ---------------------------

  /** Files a connection as retiring and has its machine close it (its lease, if any, ended first). */
  #retire(connection: PooledConnection, reason: RetireReason): void {
    this.#lifecycle.retire(connection, reason);
  }

  #lifecycleHost(): LifecycleHost {
    const pool = this;
    return {
      get endpoints() {
        return pool.endpoints;
      },
      options: this.#options,
      closeTimeoutMs: this.#closeTimeoutMs,
      inspect: this.#inspect,
      publish: this.#publish,
      running: () => this.#state === "running",
      changed: () => this.#dispatch(),
      opened: (connection) => this.#rebalancer.opened(this.#housekeeperHost(), connection),
      left: () => this.#drain.check(),
    };
  }

  // --- housekeeping -------------------------------------------------------------------------------

  #host: HousekeeperHost | undefined;

  #housekeeperHost(): HousekeeperHost {
    if (this.#host) return this.#host;
    const pool = this;
    this.#host = {
      get endpoints() {
        return pool.endpoints;
      },
      get options() {
        return pool.#options;
      },
      get total() {
        return pool.size + pool.pending;
      },
      get maxConnections() {
        return pool.#options.maxConnections;
      },
      get staying() {
        return pool.size - pool.retiring;
      },
      openOn: (endpoint) => (this.#state === "running" ? this.#lifecycle.open(endpoint) : undefined),
      retireIdle: (endpoint) => {
        const longestIdle = endpoint.idleConnections[0];
        if (!longestIdle) return false;
        this.#retire(longestIdle, "rebalance");
        return true;
      },
      retire: (connection, reason) => this.#retire(connection, reason),
      dispatch: () => this.#dispatch(),
    };
    return this.#host;
  }

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
    this.#failAllWaiters("closed", () => new PoolClosedError("draining"));
    for (const endpoint of this.endpoints) {
      for (const connection of [...endpoint.connections()]) {
        if (connection.place === "opening") this.#retire(connection, "shutdown");
      }
    }
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
    this.#failAllWaiters("closed", () => new PoolClosedError("draining"));
    const deadline = this.#shutdownStarted + timeoutMs;
    // Closing gets the last part of the budget (a socket's close takes a round trip), the drain the rest.
    const closeReserve = Math.min(this.#closeTimeoutMs, timeoutMs / 4);
    const closing = this.size + this.pending;
    this.#dispatch();
    await this.#drain.until(deadline - closeReserve);

    const retire = (connection: PooledConnection) => this.#retire(connection, "shutdown");
    const abandoned = takeBackLeases(this.endpoints, this.#publish, retire);
    await closeEndpoints(this.endpoints, retire, this.#cutOff, deadline);
    this.#state = "closed";
    this.#publish({ type: "pool.shutdown", ts: Date.now(), phase: "closed", abandoned: abandoned.length });
    return { durationMs: performance.now() - this.#shutdownStarted, closed: closing, abandoned };
  }

  // --- introspection: every count is derived from the Endpoints ------------------------------------

  /** Open connections (leased, idle, being checked or closing). */
  get size(): number {
    return sum(this.endpoints, (e) => e.open);
  }

  /** Connections still connecting. */
  get pending(): number {
    return sum(this.endpoints, (e) => e.pending);
  }

  get idle(): number {
    return sum(this.endpoints, (e) => e.idle);
  }

  get leased(): number {
    return sum(this.endpoints, (e) => e.leased);
  }

  get checking(): number {
    return sum(this.endpoints, (e) => e.checking);
  }

  get retiring(): number {
    return sum(this.endpoints, (e) => e.retiring);
  }

  get waiting(): number {
    return this.#waiters.size;
  }

  /** Every connection the pool tracks, for health status and the dashboard. */
  connections(): PooledConnection[] {
    const all: PooledConnection[] = [];
    for (const e of this.endpoints) all.push(...e.connections());
    return all;
  }

  /** The lease holding `connection`, if any (the dashboard's seed). */
  leaseOf(connection: PooledConnection): PooledLease | undefined {
    return this.#lifecycle.endpointOf(connection)?.leaseOf(connection);
  }
}

function sum(endpoints: readonly Endpoint[], count: (endpoint: Endpoint) => number): number {
  let n = 0;
  for (const endpoint of endpoints) n += count(endpoint);
  return n;
}

function captureStack(): string | undefined {
  const holder: { stack?: string } = {};
  Error.captureStackTrace(holder, captureStack);
  return holder.stack?.split("\n").slice(1).join("\n");
}
