import type { Balancer } from "../balancer/Balancer.js";
import { RoundRobinBalancer } from "../balancer/RoundRobinBalancer.js";
import type { PoolOptions } from "../config/options.js";
import type { Connector } from "../connection/Connector.js";
import { PooledConnection } from "../connection/PooledConnection.js";
import { sessionDrift } from "../connection/sessionDrift.js";
import { switchTo } from "../connection/switchTo.js";
import { AcquireAbortedError } from "../errors/AcquireAbortedError.js";
import { AcquireTimeoutError } from "../errors/AcquireTimeoutError.js";
import { ConnectError } from "../errors/ConnectError.js";
import { PoolClosedError } from "../errors/PoolClosedError.js";
import { PoolSaturatedError } from "../errors/PoolSaturatedError.js";
import type {
  AcquireFailed,
  ConnectionEvent,
  LeaseReleased,
  PoolEvent,
  RetireReason,
} from "../events/PoolEvent.js";
import { backoffDelay } from "../retry/backoff.js";
import { classifyError } from "../retry/isTransient.js";
import { EndpointSlot } from "./EndpointSlot.js";
import { LeakDetector } from "./LeakDetector.js";
import { Lease, type LeaseOwner } from "./Lease.js";
import { WaitQueue } from "./WaitQueue.js";

export interface AcquireOptions {
  /** Aborting it rejects a waiting acquire with `AcquireAbortedError`. */
  signal?: AbortSignal;
  /** Overrides `pool.connectionTimeoutMs` for this call. */
  timeoutMs?: number;
  /** Hand the lease out switched to this namespace (switched back on return). */
  namespace?: string;
  /** Hand the lease out switched to this database (switched back on return). */
  database?: string;
  /** Prefer endpoints other than these when another can serve (hedged requests use it). */
  avoidEndpoints?: readonly string[];
}

export interface ConnectionPoolOptions {
  connectors: Connector[];
  pool: PoolOptions;
  publish: (event: PoolEvent) => void;
  balancer?: Balancer;
  /**
   * Whether a new connection may be opened to an endpoint now (its breaker lets a call through; in
   * half-open this takes the probe slot, settled by the connect's outcome). Default: always.
   */
  admitsConnect?: (endpoint: string) => boolean;
  /** Told of every connect and health-check outcome per endpoint, e.g. to feed a circuit breaker. */
  onOutcome?: (endpoint: string, error: Error | undefined) => void;
  /** The error acquires fail with while no endpoint is available (every breaker open). */
  unavailableError?: () => Error;
  // biome-ignore lint/suspicious/noExplicitAny: XState inspection observer.
  inspect?: any;
  /** Deadline of closing one connection. Default 5 000. */
  closeTimeoutMs?: number;
  /** Interval of the idle reaper, lifetime and leak checks. Default min(1 000, idleTimeoutMs / 2). */
  housekeepingIntervalMs?: number;
}

/** A leased connection that shutdown took back after its drain timeout. */
export interface AbandonedLease {
  connectionId: string;
  endpoint: string;
  heldMs: number;
  /** Stack of its acquire() call when leak detection is on. */
  acquiredAt?: string;
}

export interface ShutdownReport {
  durationMs: number;
  /** Connections closed by the shutdown. */
  closed: number;
  /** Leases still held when the drain timeout ran out: their work may have been cut off. */
  abandoned: AbandonedLease[];
}

export type PoolState = "starting" | "running" | "draining" | "closed";

interface Waiter {
  settled: boolean;
  requestId: number;
  start: number;
  options: AcquireOptions;
  stack: string | undefined;
  resolve: (lease: Lease) => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
  onAbort: (() => void) | undefined;
}

const RESOLVED = Promise.resolve();

/**
 * The pool proper: connections over one or more endpoints, a FIFO wait queue, min/max sizing,
 * lifetime, idle and leak housekeeping, and graceful shutdown. Leasing is bookkeeping here (not a
 * machine transition) and every lease is still an event on `events$`.
 */
export class ConnectionPool implements LeaseOwner {
  readonly slots: readonly EndpointSlot[];
  readonly #options: PoolOptions;
  readonly #publish: (event: PoolEvent) => void;
  readonly #balancer: Balancer;
  readonly #admitsConnect: (endpoint: string) => boolean;
  readonly #onOutcome: ConnectionPoolOptions["onOutcome"];
  readonly #unavailableError: () => Error;
  /** Endpoints currently marked unavailable (breaker open). */
  #unavailable = 0;
  /** New connections opened to move work back to an endpoint, and where a surplus idle one is retired. */
  readonly #rebalancing = new WeakMap<PooledConnection, EndpointSlot>();
  readonly #inspect: unknown;
  readonly #closeTimeoutMs: number;
  readonly #housekeepingIntervalMs: number;

  readonly #connections = new Set<PooledConnection>();
  readonly #slotOf = new WeakMap<PooledConnection, EndpointSlot>();
  readonly #waiters = new WaitQueue<Waiter>();
  #state: PoolState = "starting";
  #connectionSeq = 0;
  #requestSeq = 0;
  /** Connections out of the idle stack for a ping or a reset. */
  #checking = 0;
  #createFailures = 0;
  #lastConnectError: Error | undefined;
  /** False from a connect failure until the next successful connect. */
  #connectHealthy = true;
  #createTimer: ReturnType<typeof setTimeout> | undefined;
  #housekeepingTimer: ReturnType<typeof setInterval> | undefined;
  #healthTimer: ReturnType<typeof setInterval> | undefined;
  readonly #leaks: LeakDetector | undefined;
  #drained: (() => void) | undefined;
  #shutdown: Promise<ShutdownReport> | undefined;

  constructor(options: ConnectionPoolOptions) {
    this.slots = options.connectors.map((c) => new EndpointSlot(c));
    this.#options = options.pool;
    this.#publish = options.publish;
    this.#balancer = options.balancer ?? new RoundRobinBalancer();
    this.#admitsConnect = options.admitsConnect ?? (() => true);
    this.#onOutcome = options.onOutcome;
    this.#unavailableError =
      options.unavailableError ??
      (() => new Error("no endpoint is available; every circuit breaker is open"));
    this.#inspect = options.inspect;
    this.#closeTimeoutMs = options.closeTimeoutMs ?? 5_000;
    const threshold = this.#options.leakDetectionThresholdMs;
    this.#leaks = threshold === null ? undefined : new LeakDetector(threshold, (e) => this.#publish(e));
    const idle = this.#options.idleTimeoutMs;
    this.#housekeepingIntervalMs = options.housekeepingIntervalMs ?? Math.min(1_000, idle ? idle / 2 : 1_000);
  }

  // --- lifecycle ----------------------------------------------------------------------------------

  /**
   * Starts housekeeping and fills the pool to `minConnections`. With `warmConnections` it waits for
   * them and fails fast with `ConnectError` (the pool shut down again) when none of them can be opened.
   */
  async start(): Promise<void> {
    this.#state = "running";
    this.#housekeepingTimer = setInterval(() => this.#housekeeping(), this.#housekeepingIntervalMs);
    this.#housekeepingTimer.unref?.();
    this.#healthTimer = setInterval(() => void this.healthCheck(), this.#options.healthCheckIntervalMs);
    this.#healthTimer.unref?.();
    if (!this.#options.warmConnections) {
      this.#ensureCapacity();
      return;
    }
    const warm: PooledConnection[] = [];
    for (let i = 0; i < this.#options.minConnections; i++) {
      const connection = this.#create();
      if (connection) warm.push(connection);
    }
    const results = await Promise.allSettled(warm.map((c) => c.opened));
    const failure = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    // Fail fast when the endpoints cannot be reached at all. When some warm connections opened (one of
    // several endpoints is down, say), start: the pool refills with backoff, through the breakers.
    if (failure && results.every((r) => r.status === "rejected")) {
      await this.shutdown({ timeoutMs: this.#closeTimeoutMs });
      const cause = failure.reason as Error;
      const failed = results.filter((r) => r.status === "rejected").length;
      throw cause instanceof ConnectError || (cause as { code?: string })?.code === "AUTHENTICATION_FAILED"
        ? cause
        : new ConnectError(
            this.slots.map((s) => s.endpoint).join(", "),
            `could not open ${failed} of ${warm.length} warm connections (${cause?.message ?? cause}); check that the endpoint is up, or set pool.warmConnections: false to start without it`,
            { cause },
          );
    }
  }

  get state(): PoolState {
    return this.#state;
  }

  // --- acquire ------------------------------------------------------------------------------------

  acquire(options: AcquireOptions = {}): Promise<Lease> {
    if (this.#state !== "running") return Promise.reject(this.#refuse(++this.#requestSeq));
    const requestId = ++this.#requestSeq;
    if (this.#unavailable > 0 && this.#unavailable === this.slots.length) {
      const error = this.#unavailableError();
      this.#publishFailure(requestId, "unavailable", false, 0, error);
      return Promise.reject(error);
    }
    // An already-aborted signal wins even over a free connection: the caller no longer wants one.
    if (options.signal?.aborted) return Promise.reject(this.#failEarly(requestId, "aborted", options));
    const start = performance.now();
    const stack = this.#options.leakDetectionThresholdMs === null ? undefined : captureStack();
    // FIFO: while anyone waits, a newcomer queues behind them instead of taking a returning connection.
    if (this.#waiters.size === 0) {
      const connection = this.#takeIdle(start, options.avoidEndpoints);
      if (connection) return this.#deliver(this.#grant(connection, requestId, start, false, stack), options);
    }
    const limit = this.#options.maxWaitingClients;
    if (limit !== null && this.#waiters.size >= limit) {
      const error = new PoolSaturatedError(this.#waiters.size, limit);
      this.#publishFailure(requestId, "saturated", false, 0, error);
      return Promise.reject(error);
    }
    return new Promise<Lease>((resolve, reject) => {
      const waiter: Waiter = {
        settled: false,
        requestId,
        start,
        options,
        stack,
        resolve,
        reject,
        timer: undefined,
        onAbort: undefined,
      };
      const timeoutMs = options.timeoutMs ?? this.#options.connectionTimeoutMs;
      waiter.timer = setTimeout(() => this.#expire(waiter, timeoutMs), timeoutMs);
      if (options.signal) {
        const signal = options.signal;
        waiter.onAbort = () => this.#abandonWaiter(waiter, "aborted", new AcquireAbortedError(signal.reason));
        signal.addEventListener("abort", waiter.onAbort, { once: true });
      }
      this.#waiters.push(waiter);
      this.#publish({ type: "acquire.queued", ts: Date.now(), requestId, waiting: this.#waiters.size });
      this.#ensureCapacity();
    });
  }

  /** Pops an idle connection that is fit to lease now; unfit ones are retired or sent for a ping. */
  #takeIdle(now: number, avoid?: readonly string[]): PooledConnection | undefined {
    const slots = this.slots;
    for (;;) {
      let slot: EndpointSlot | undefined;
      if (slots.length === 1) {
        slot = slots[0]!.idle.length > 0 && slots[0]!.available ? slots[0] : undefined;
      } else {
        const usable = slots.filter((s) => s.idle.length > 0 && s.available);
        const preferred = avoid?.length ? usable.filter((s) => !avoid.includes(s.endpoint)) : usable;
        slot = this.#balancer.pick(preferred.length > 0 ? preferred : usable);
      }
      const connection = slot?.idle.pop();
      if (!connection || !slot) return undefined;
      if (connection.broken) {
        this.#retire(connection, "broken");
      } else if (now >= connection.expiresAt) {
        this.#retire(connection, "lifetime");
      } else if (now - connection.idleSince > this.#options.validateAfterIdleMs) {
        this.#validateThenOffer(connection);
      } else {
        return connection;
      }
    }
  }

  #grant(
    connection: PooledConnection,
    requestId: number,
    start: number,
    queued: boolean,
    stack: string | undefined,
  ): Lease {
    const now = performance.now();
    const lease = new Lease(connection, this, now, stack);
    connection.lease = lease;
    connection.uses++;
    this.#slotOf.get(connection)!.leased++;
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

  /** Applies a per-lease namespace/database, if asked; the reset on return switches it back. */
  #deliver(lease: Lease, options: AcquireOptions): Promise<Lease> {
    if (options.namespace === undefined && options.database === undefined) return Promise.resolve(lease);
    const baseline = lease.connection.raw!.baseline;
    return switchTo(lease.db, {
      namespace: options.namespace ?? baseline.namespace,
      database: options.database ?? baseline.database,
    }).then(
      () => lease,
      async (error: unknown) => {
        await lease.discard();
        throw error;
      },
    );
  }

  #expire(waiter: Waiter, timeoutMs: number): void {
    const stuck = !this.#connectHealthy && this.#lastConnectError !== undefined;
    const endpoint = this.slots.map((s) => s.endpoint).join(", ");
    // Nothing open and connects still in flight: the endpoint is slow or dead (a connect to a dead ws://
    // endpoint never settles), which "all 0 connections stayed in use" would misreport.
    const connecting = !stuck && this.size === 0 && this.pending > 0;
    const error = new AcquireTimeoutError({
      timeoutMs,
      endpoint,
      size: this.size,
      maxConnections: this.#options.maxConnections,
      waiting: this.#waiters.size,
      lastConnectError: stuck
        ? this.#lastConnectError
        : connecting
          ? new ConnectError(
              endpoint,
              `no connect to ${endpoint} has finished yet (${this.pending} in flight)`,
            )
          : undefined,
    });
    this.#abandonWaiter(waiter, "timeout", error);
  }

  #abandonWaiter(waiter: Waiter, reason: AcquireFailed["reason"], error: Error): void {
    if (waiter.settled) return;
    this.#settle(waiter);
    this.#waiters.cancelled();
    this.#publishFailure(waiter.requestId, reason, true, performance.now() - waiter.start, error);
    waiter.reject(error);
  }

  #settle(waiter: Waiter): void {
    waiter.settled = true;
    clearTimeout(waiter.timer);
    if (waiter.onAbort) waiter.options.signal?.removeEventListener("abort", waiter.onAbort);
  }

  #refuse(requestId: number): Error {
    const error = new PoolClosedError(this.#state === "draining" ? "draining" : "closed");
    this.#publishFailure(requestId, "closed", false, 0, error);
    return error;
  }

  #failEarly(requestId: number, reason: "aborted", options: AcquireOptions): Error {
    const error = new AcquireAbortedError(options.signal?.reason);
    this.#publishFailure(requestId, reason, false, 0, error);
    return error;
  }

  #publishFailure(
    requestId: number,
    reason: AcquireFailed["reason"],
    queued: boolean,
    waitMs: number,
    error: Error,
  ) {
    this.#publish({ type: "acquire.failed", ts: Date.now(), requestId, reason, queued, waitMs, error });
  }

  // --- release ------------------------------------------------------------------------------------

  release(lease: Lease, discard: boolean): Promise<void> {
    const connection = lease.connection;
    if (connection.lease !== lease) return RESOLVED; // revoked by shutdown
    connection.lease = null;
    const slot = this.#slotOf.get(connection)!;
    slot.leased--;
    const now = performance.now();
    slot.observeLatency(now - lease.acquiredAt, now);
    this.#publishReleased(connection, lease, now, false);
    const raw = connection.raw!;
    if (discard || connection.broken || !raw.db.isValid) {
      slot.observeFailure(now);
      return this.#retireAndRefill(connection, "broken");
    }
    const maxUses = this.#options.maxUses;
    if (maxUses !== null && connection.uses >= maxUses) return this.#retireAndRefill(connection, "maxUses");
    if (now >= connection.expiresAt) return this.#retireAndRefill(connection, "lifetime");
    if (this.#state !== "running") return this.#retireAndRefill(connection, "shutdown");
    if (slot.surplus > 0) {
      slot.surplus--;
      return this.#retireAndRefill(connection, "rebalance");
    }
    const undo = sessionDrift(raw.db, raw.baseline);
    if (undo.length === 0) {
      this.#offer(connection, now);
      return RESOLVED;
    }
    this.#checking++;
    return connection.reset(undo).then((ok) => {
      this.#checking--;
      if (ok) this.#offer(connection, performance.now());
      this.#checkDrained();
    });
  }

  #publishReleased(connection: PooledConnection, lease: Lease, now: number, revoked: boolean): void {
    const event: LeaseReleased = {
      type: "lease.released",
      ts: Date.now(),
      connectionId: connection.id,
      endpoint: connection.endpoint,
      heldMs: now - lease.acquiredAt,
    };
    if (revoked) event.revoked = true; // only on shutdown: the hot path keeps one object shape
    this.#publish(event);
  }

  #retireAndRefill(connection: PooledConnection, reason: RetireReason): Promise<void> {
    this.#retire(connection, reason);
    return RESOLVED;
  }

  /** A connection became available: the oldest waiter gets it, or it goes on the idle stack. */
  #offer(connection: PooledConnection, now: number): void {
    if (this.#state !== "running") {
      this.#retire(connection, "shutdown");
      return;
    }
    if (connection.broken) {
      this.#retire(connection, "broken");
      return;
    }
    const waiter = this.#waiters.shift();
    if (waiter) {
      this.#settle(waiter);
      const lease = this.#grant(connection, waiter.requestId, waiter.start, true, waiter.stack);
      this.#deliver(lease, waiter.options).then(waiter.resolve, waiter.reject);
      return;
    }
    connection.idleSince = now;
    this.#slotOf.get(connection)!.idle.push(connection);
  }

  #validateThenOffer(connection: PooledConnection): void {
    this.#checking++;
    void connection.validate().then((ok) => {
      this.#checking--;
      if (ok) this.#offer(connection, performance.now());
      this.#checkDrained();
    });
  }

  // --- creating and retiring ----------------------------------------------------------------------

  /** Opens connections while there is demand (waiters, or fewer than minConnections) and room. */
  #ensureCapacity(): void {
    if (this.#state !== "running" || this.#createTimer) return;
    const total = this.size + this.pending;
    // Connections being pinged or reset will most likely come back: count them as on their way.
    const forWaiters = this.#waiters.size - this.pending - this.#checking;
    const forMinimum = this.#options.minConnections - total;
    let want = Math.min(Math.max(forWaiters, forMinimum), this.#options.maxConnections - total);
    while (want-- > 0) if (!this.#create()) break;
  }

  #create(target?: EndpointSlot): PooledConnection | undefined {
    const slot = target ?? this.#placeNewConnection();
    if (!slot) return undefined;
    const { maxLifetimeMs } = this.#options;
    const connection = new PooledConnection({
      id: String(++this.#connectionSeq),
      connector: slot.connector,
      connectTimeoutMs: this.#options.connectionTimeoutMs,
      validationTimeoutMs: this.#options.validationTimeoutMs,
      closeTimeoutMs: this.#closeTimeoutMs,
      // Jitter lifetimes down by up to 10% so connections opened together do not all expire together.
      lifetimeMs:
        maxLifetimeMs === null ? Number.POSITIVE_INFINITY : maxLifetimeMs * (1 - Math.random() * 0.1),
      onEvent: (c, e) => this.#onConnectionEvent(c, e),
      onBroken: (c) => this.#onBroken(c),
      inspect: this.#inspect,
    });
    this.#slotOf.set(connection, slot);
    this.#connections.add(connection);
    return connection.start();
  }

  /**
   * The endpoint for a new connection: among endpoints that are available, the one with the fewest
   * connections, so connections stay spread evenly; the balancer then decides where the work goes.
   * Only the chosen endpoint's breaker is asked (in half-open, asking takes its probe slot).
   */
  #placeNewConnection(): EndpointSlot | undefined {
    if (this.slots.length === 1) {
      const only = this.slots[0]!;
      return this.#admitsConnect(only.endpoint) ? only : undefined;
    }
    const ordered = [...this.slots].sort((a, b) => a.open + a.pending - (b.open + b.pending));
    return ordered.find((s) => s.available && this.#admitsConnect(s.endpoint));
  }

  #retire(connection: PooledConnection, reason: RetireReason): void {
    this.#slotOf.get(connection)?.removeIdle(connection);
    void connection.retire(reason);
  }

  #onBroken(connection: PooledConnection): void {
    const slot = this.#slotOf.get(connection);
    if (slot?.removeIdle(connection)) this.#retire(connection, "broken");
  }

  #onConnectionEvent(connection: PooledConnection, event: ConnectionEvent): void {
    const slot = this.#slotOf.get(connection)!;
    switch (event.type) {
      case "connection.connecting":
        slot.pending++;
        this.#publish(event);
        return;
      case "connection.opened":
        slot.pending--;
        slot.open++;
        this.#connectHealthy = true;
        this.#createFailures = 0;
        this.#publish(event);
        this.#onOutcome?.(slot.endpoint, undefined);
        this.#finishRebalance(connection);
        this.#offer(connection, performance.now());
        return;
      case "connection.connectFailed":
        slot.pending--;
        this.#connections.delete(connection);
        this.#connectHealthy = false;
        this.#lastConnectError = event.error;
        this.#createFailures++;
        slot.observeFailure();
        this.#publish(event);
        this.#onOutcome?.(slot.endpoint, event.error);
        this.#failWaitersIfHopeless(event.error);
        this.#scheduleCreateRetry();
        this.#checkDrained();
        return;
      case "connection.closed":
        if (event.wasOpen) slot.open--;
        else slot.pending--;
        slot.removeIdle(connection);
        this.#connections.delete(connection);
        this.#publish(event);
        this.#ensureCapacity();
        this.#checkDrained();
        return;
      case "connection.validated":
        this.#publish(event);
        if (event.cancelled) return;
        if (!event.ok) slot.observeFailure();
        this.#onOutcome?.(slot.endpoint, event.ok ? undefined : event.error);
        return;
      default:
        this.#publish(event);
    }
  }

  /**
   * A connect failed in a way no retry fixes (refused credentials, a bad URL) and no connection is
   * open: waiting acquires would only time out, so they fail now with that error.
   */
  #failWaitersIfHopeless(error: Error): void {
    if (this.size > 0 || this.#waiters.size === 0 || classifyError(error).category !== "config") return;
    for (const waiter of this.#waiters.drain()) {
      this.#settle(waiter);
      this.#publishFailure(waiter.requestId, "unavailable", true, performance.now() - waiter.start, error);
      waiter.reject(error);
    }
  }

  // --- endpoint availability and rebalancing ------------------------------------------------------

  /**
   * Marks an endpoint (un)available, e.g. when its breaker opens or closes. Its idle connections are
   * not leased while unavailable. When no endpoint is left, waiting acquires fail fast.
   */
  setAvailable(endpoint: string, available: boolean): void {
    const slot = this.slots.find((s) => s.endpoint === endpoint);
    if (!slot || slot.available === available) return;
    slot.available = available;
    this.#unavailable += available ? -1 : 1;
    if (this.#unavailable === this.slots.length) {
      for (const waiter of this.#waiters.drain()) {
        this.#settle(waiter);
        const error = this.#unavailableError();
        this.#publishFailure(waiter.requestId, "unavailable", true, performance.now() - waiter.start, error);
        waiter.reject(error);
      }
    } else if (available) {
      this.#ensureCapacity();
    }
  }

  /**
   * Moves connections back to an endpoint that has fewer than its share (it recovered, or it is new):
   * opens one there and, once it is open, retires a surplus idle connection of the fullest endpoint.
   * Leases are never disturbed, and at most one move per endpoint is in flight.
   */
  #rebalance(): void {
    if (this.slots.length < 2) return;
    const eligible = this.slots.filter((s) => s.available);
    if (eligible.length < 2) return;
    const total = eligible.reduce((n, s) => n + s.open + s.pending, 0);
    const share = Math.floor(total / eligible.length);
    for (const s of this.slots) if (s.open - s.surplus <= share) s.surplus = 0;
    const under = eligible.filter((s) => s.open + s.pending < share && s.pending === 0);
    for (const slot of under) {
      const over = eligible.reduce((a, b) => (a.open - a.surplus > b.open - b.surplus ? a : b));
      if (over === slot || over.open - over.surplus <= share) continue;
      if (this.size + this.pending >= this.#options.maxConnections) {
        // No room to open first: give one up (now if idle, else at its next release); the refill
        // goes to the endpoint with the fewest connections.
        this.#shed(over);
        continue;
      }
      if (!this.#admitsConnect(slot.endpoint)) continue;
      const connection = this.#create(slot);
      if (connection) this.#rebalancing.set(connection, over);
    }
  }

  /** Retires one connection of `slot`: an idle one now, or the next one released. */
  #shed(slot: EndpointSlot): void {
    const idle = slot.idle.shift(); // the bottom of the stack: the longest idle
    if (idle) this.#retire(idle, "rebalance");
    else slot.surplus++;
  }

  #finishRebalance(connection: PooledConnection): void {
    const over = this.#rebalancing.get(connection);
    if (!over) return;
    this.#rebalancing.delete(connection);
    this.#shed(over);
  }

  /** After a failed connect, try again with backoff (never a tight loop), only while there is demand. */
  #scheduleCreateRetry(): void {
    if (this.#state !== "running" || this.#createTimer) return;
    const delay = Math.max(10, backoffDelay(this.#createFailures, this.#options.retryPolicy));
    this.#createTimer = setTimeout(() => {
      this.#createTimer = undefined;
      this.#ensureCapacity();
    }, delay);
    this.#createTimer.unref?.();
  }

  // --- housekeeping -------------------------------------------------------------------------------

  #housekeeping(): void {
    if (this.#state !== "running") return;
    const now = performance.now();
    const { idleTimeoutMs } = this.#options;
    // Connections that stay after this pass; never shrink below minConnections for idleness.
    let staying = this.size - this.#retiringCount();
    for (const slot of this.slots) {
      // Oldest idle first (bottom of the stack).
      for (let i = 0; i < slot.idle.length; ) {
        const connection = slot.idle[i]!;
        if (now >= connection.expiresAt) {
          this.#retire(connection, "lifetime");
          staying--;
        } else if (
          idleTimeoutMs !== null &&
          now - connection.idleSince > idleTimeoutMs &&
          staying > this.#options.minConnections
        ) {
          this.#retire(connection, "idle");
          staying--;
        } else {
          i++;
        }
      }
    }
    this.#leaks?.scan(this.#connections, now);
    this.#rebalance();
    this.#ensureCapacity();
  }

  #retiringCount(): number {
    let n = 0;
    for (const c of this.#connections) if (c.retiring !== null && c.state !== "connecting") n++;
    return n;
  }

  /**
   * Pings every idle connection (a socket that says "connected" but never answers fails its deadline
   * and is replaced). Resolves with how many passed and failed.
   */
  async healthCheck(): Promise<{ passed: number; failed: number }> {
    if (this.#state !== "running") return { passed: 0, failed: 0 };
    const batch: PooledConnection[] = [];
    for (const slot of this.slots) batch.push(...slot.idle.splice(0));
    this.#checking += batch.length;
    // Each connection goes back as soon as its own ping answers, not when the slowest one does.
    const results = await Promise.all(
      batch.map((connection) =>
        connection.validate().then((ok) => {
          this.#checking--;
          if (ok) this.#offer(connection, performance.now());
          this.#checkDrained();
          return ok;
        }),
      ),
    );
    const passed = results.filter(Boolean).length;
    return { passed, failed: results.length - passed };
  }

  // --- shutdown -----------------------------------------------------------------------------------

  shutdown(options: { timeoutMs?: number } = {}): Promise<ShutdownReport> {
    this.#shutdown ??= this.#drainAndClose(options.timeoutMs ?? 30_000);
    return this.#shutdown;
  }

  async #drainAndClose(timeoutMs: number): Promise<ShutdownReport> {
    const started = performance.now();
    this.#state = "draining";
    this.#publish({ type: "pool.shutdown", ts: Date.now(), phase: "draining", abandoned: 0 });
    clearInterval(this.#housekeepingTimer);
    clearInterval(this.#healthTimer);
    clearTimeout(this.#createTimer);
    this.#createTimer = undefined;
    for (const waiter of this.#waiters.drain()) {
      this.#settle(waiter);
      const error = new PoolClosedError("draining");
      this.#publishFailure(waiter.requestId, "closed", true, performance.now() - waiter.start, error);
      waiter.reject(error);
    }
    const closing = [...this.#connections];
    for (const connection of closing) {
      if (connection.lease === null && (connection.state === "ready" || connection.state === "connecting")) {
        this.#retire(connection, "shutdown");
      }
    }
    await this.#untilDrained(timeoutMs);

    const abandoned: AbandonedLease[] = [];
    const now = performance.now();
    for (const connection of this.#connections) {
      const lease = connection.lease as Lease | null;
      if (lease) {
        abandoned.push({
          connectionId: connection.id,
          endpoint: connection.endpoint,
          heldMs: now - lease.acquiredAt,
          acquiredAt: lease.acquiredStack,
        });
        lease.revoke();
        connection.lease = null;
        this.#slotOf.get(connection)!.leased--;
        // The lease ended (taken back): without this event the inUse gauge of the fold never returns to 0.
        this.#publishReleased(connection, lease, now, true);
      }
      this.#retire(connection, "shutdown");
    }
    await Promise.all([...this.#connections].map((c) => c.closed));
    await Promise.all(this.slots.map((s) => s.connector.dispose().catch(() => {})));
    this.#state = "closed";
    this.#publish({ type: "pool.shutdown", ts: Date.now(), phase: "closed", abandoned: abandoned.length });
    return { durationMs: performance.now() - started, closed: closing.length, abandoned };
  }

  #isDrained(): boolean {
    if (this.#checking > 0) return false;
    for (const c of this.#connections) if (c.lease !== null) return false;
    return true;
  }

  #untilDrained(timeoutMs: number): Promise<void> {
    if (this.#isDrained()) return RESOLVED;
    return new Promise<void>((resolve) => {
      const timer = setTimeout(finish, timeoutMs);
      this.#drained = finish;
      function finish() {
        clearTimeout(timer);
        resolve();
      }
    });
  }

  #checkDrained(): void {
    if (this.#drained && this.#isDrained()) {
      const done = this.#drained;
      this.#drained = undefined;
      done();
    }
  }

  // --- introspection ------------------------------------------------------------------------------

  /** Open connections (leased, idle, being checked or closing). */
  get size(): number {
    let n = 0;
    for (const s of this.slots) n += s.open;
    return n;
  }

  /** Connections still connecting. */
  get pending(): number {
    let n = 0;
    for (const s of this.slots) n += s.pending;
    return n;
  }

  get idle(): number {
    let n = 0;
    for (const s of this.slots) n += s.idle.length;
    return n;
  }

  get leased(): number {
    let n = 0;
    for (const s of this.slots) n += s.leased;
    return n;
  }

  get waiting(): number {
    return this.#waiters.size;
  }

  get lastConnectError(): Error | undefined {
    return this.#lastConnectError;
  }

  get connectHealthy(): boolean {
    return this.#connectHealthy;
  }

  /** Every connection the pool tracks, for health status and the dashboard. */
  connections(): readonly PooledConnection[] {
    return [...this.#connections];
  }
}

function captureStack(): string | undefined {
  const holder: { stack?: string } = {};
  Error.captureStackTrace(holder, captureStack);
  return holder.stack?.split("\n").slice(1).join("\n");
}
