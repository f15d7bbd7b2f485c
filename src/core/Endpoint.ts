import type { Subscription } from "rxjs";
import type { CircuitOpenError } from "../errors/CircuitOpenError.js";
import type { BreakerState, BreakerTransition } from "../events/PoolEvent.js";
import { EndpointScore } from "./balancer/EndpointScore.js";
import type { EndpointStats } from "./balancer/EndpointStats.js";
import { type BreakerOptions, CircuitBreaker } from "./breaker/CircuitBreaker.js";
import type { CoreLease } from "./CoreLease.js";
import { type HeldUnit, HeldUnits } from "./HeldUnits.js";
import type { ConnectionPlace, PooledConnection } from "./PooledConnection.js";
import { ReachabilityProbe } from "./ReachabilityProbe.js";
import type { Unit, UnitSource } from "./Unit.js";

export interface EndpointOptions {
  connector: UnitSource;
  /** The endpoint's circuit breaker (its `endpoint` is the connector's). */
  breaker: Omit<BreakerOptions, "endpoint">;
  /** Told of every breaker transition (the pool publishes it and dispatches). */
  onBreakerTransition: (transition: BreakerTransition) => void;
  /** The most units (sessions, of every kind) open or opening on this endpoint at once. */
  maxUnits: number;
  /** A place under `maxUnits` came free (the pool dispatches: a waiter may need a new connection). */
  onRoom?: () => void;
}

/**
 * One endpoint: its connector, its circuit breaker, its connections filed by place (idle stack,
 * leased, checking, retiring, opening), and the units features hold beside them (live connections,
 * agents' sessions), every kind under one bound, `maxUnits`. Every count it reports is the size of one
 * of those; nothing is counted beside them. Only this class moves a connection from one place to another.
 *
 * Idle connections are a stack (most recently returned on top): hot connections stay hot, and the
 * surplus sinks to the bottom where the idle reaper finds it.
 */
export class Endpoint implements EndpointStats {
  readonly connector: UnitSource;
  readonly breaker: CircuitBreaker;
  readonly #score = new EndpointScore();
  readonly #idle: PooledConnection[] = [];
  /**
   * The leases out and their connections, each pair at the connection's `leaseSlot`: taking and
   * returning one is an index write and a swap with the last, where a Map's set and delete on every
   * lease cost a hash and its rehashes.
   */
  readonly #leased: CoreLease[] = [];
  readonly #leasedConnections: PooledConnection[] = [];
  readonly #checking = new Set<PooledConnection>();
  readonly #retiring = new Set<PooledConnection>();
  readonly #opening = new Set<PooledConnection>();
  /** Units opened for features, not for the pool's borrowers; under the same bound. */
  readonly #held: HeldUnits;
  readonly maxUnits: number;
  readonly #subscription: Subscription;
  /** Watches an endpoint reached over the network while its breaker is open. */
  readonly #reachability: ReachabilityProbe | undefined;
  /** Connections to retire at their next release, to move work to another endpoint. */
  surplus = 0;
  /** Connect failures in a row, counting connects that failed together once; 0 after a success. */
  #connectFailures = 0;
  /** performance.now() of the last connect failure that counted; connects started before it say nothing new. */
  #lastCountedFailureAt = Number.NEGATIVE_INFINITY;
  #lastConnectError: Error | undefined;

  constructor(options: EndpointOptions) {
    this.connector = options.connector;
    this.maxUnits = options.maxUnits;
    const onRoom = options.onRoom;
    this.#held = new HeldUnits(() => onRoom?.());
    this.breaker = new CircuitBreaker({ ...options.breaker, endpoint: options.connector.endpoint });
    const url = options.connector.endpoint;
    this.#reachability = ReachabilityProbe.applies(url)
      ? new ReachabilityProbe(url, () => this.breaker.reachable())
      : undefined;
    this.#subscription = this.breaker.transitions$.subscribe((transition) => {
      if (transition.to === "open" && !this.breaker.isolated) this.#reachability?.start();
      else this.#reachability?.stop();
      options.onBreakerTransition(transition);
    });
  }

  /** One Endpoint per unit source, in order, each with its breaker; transitions go to `onTransition`. */
  static each(connectors: readonly UnitSource[], options: Omit<EndpointOptions, "connector">): Endpoint[] {
    return connectors.map((connector) => new Endpoint({ ...options, connector }));
  }

  get endpoint(): string {
    return this.connector.endpoint;
  }

  // --- counts, all derived from where the connections are filed ---------------------------------

  get idle(): number {
    return this.#idle.length;
  }
  get leased(): number {
    return this.#leased.length;
  }
  get checking(): number {
    return this.#checking.size;
  }
  get retiring(): number {
    return this.#retiring.size;
  }
  /** Connections still connecting. */
  get pending(): number {
    return this.#opening.size;
  }
  /** Open connections: idle, leased, being checked or closing. */
  get open(): number {
    return this.#idle.length + this.#leased.length + this.#checking.size + this.#retiring.size;
  }

  /** Every unit open or opening on this endpoint: its pooled connections and the units features hold. */
  get units(): number {
    return this.open + this.#opening.size + this.#held.total;
  }

  /** May one more unit open here under `maxUnits`? */
  hasRoom(): boolean {
    return this.units < this.maxUnits;
  }

  /** Units open or opening, by kind: `pooled` and each kind features hold. */
  unitsByKind(): Record<string, number> {
    return { pooled: this.open + this.#opening.size, ...this.#held.byKind() };
  }

  /**
   * Opens a unit for a feature (`kind` names it: "live", "agent"), counted under this endpoint's
   * bound; undefined, without opening anything, when the endpoint is at its bound. The feature closes
   * it through the returned handle; shutdown closes what is still held.
   */
  hold<U extends Unit>(kind: string, open: () => Promise<U>): Promise<HeldUnit<U>> | undefined {
    if (!this.hasRoom()) return undefined;
    return this.#held.open(kind, open);
  }

  /** Closes every unit features still hold (shutdown, once the features closed theirs). */
  closeHeld(): Promise<void> {
    return this.#held.closeAll();
  }

  /** Every connection of this endpoint not yet gone, for health status and shutdown. */
  *connections(): IterableIterator<PooledConnection> {
    yield* this.#opening;
    yield* this.#idle;
    yield* this.#leasedConnections;
    yield* this.#checking;
    yield* this.#retiring;
  }

  /** The leases in flight, with their connections (leak scans, shutdown). */
  *leases(): IterableIterator<[PooledConnection, CoreLease]> {
    for (let i = 0; i < this.#leased.length; i++) yield [this.#leasedConnections[i]!, this.#leased[i]!];
  }

  leaseOf(connection: PooledConnection): CoreLease | undefined {
    return connection.place === "leased" ? this.#leased[connection.leaseSlot] : undefined;
  }

  /** The idle stack, bottom (longest idle) first. Read-only: move connections with the methods below. */
  get idleConnections(): readonly PooledConnection[] {
    return this.#idle;
  }

  // --- moving connections between places ----------------------------------------------------------

  /** Files a new connection as opening. */
  opening(connection: PooledConnection): void {
    this.#file(connection, "opening");
  }

  /** The top of the idle stack (most recently returned), taken off it; the caller files it next. */
  popIdle(): PooledConnection | undefined {
    const connection = this.#idle.pop();
    if (connection) connection.place = "gone"; // in hand until filed again
    return connection;
  }

  /** Hands a connection to a borrower. */
  lease(connection: PooledConnection, lease: CoreLease): void {
    this.#unfile(connection);
    connection.place = "leased";
    connection.uses++;
    connection.leaseSlot = this.#leased.length;
    this.#leased.push(lease);
    this.#leasedConnections.push(connection);
  }

  /** Puts a connection on the idle stack. `returned` says a borrower gave it back (a check is not use). */
  toIdle(connection: PooledConnection, now: number, returned: boolean): void {
    if (returned || connection.place === "opening") connection.idleSince = now;
    connection.verifiedAt = now;
    this.#file(connection, "idle");
  }

  toChecking(connection: PooledConnection): void {
    this.#file(connection, "checking");
  }

  /** Files it as retiring; the caller has sent (or is about to send) the machine its retire. */
  toRetiring(connection: PooledConnection): void {
    this.#file(connection, "retiring");
  }

  /** The connection closed or never opened: it leaves the endpoint. */
  forget(connection: PooledConnection): void {
    this.#unfile(connection);
    connection.place = "gone";
  }

  #file(connection: PooledConnection, place: ConnectionPlace): void {
    this.#unfile(connection);
    connection.place = place;
    switch (place) {
      case "idle":
        this.#idle.push(connection);
        return;
      case "checking":
        this.#checking.add(connection);
        return;
      case "retiring":
        this.#retiring.add(connection);
        return;
      case "opening":
        this.#opening.add(connection);
        return;
      default:
        return;
    }
  }

  #unfile(connection: PooledConnection): void {
    switch (connection.place) {
      case "idle": {
        const index = this.#idle.lastIndexOf(connection);
        if (index >= 0) this.#idle.splice(index, 1);
        return;
      }
      case "leased": {
        const slot = connection.leaseSlot;
        const last = this.#leased.pop()!;
        const lastConnection = this.#leasedConnections.pop()!;
        if (lastConnection !== connection) {
          this.#leased[slot] = last;
          this.#leasedConnections[slot] = lastConnection;
          lastConnection.leaseSlot = slot;
        }
        connection.leaseSlot = -1;
        return;
      }
      case "checking":
        this.#checking.delete(connection);
        return;
      case "retiring":
        this.#retiring.delete(connection);
        return;
      case "opening":
        this.#opening.delete(connection);
        return;
      default:
        return;
    }
  }

  // --- the breaker and what balancers know -----------------------------------------------------------

  /** May its connections serve leases now (its breaker is not open)? */
  canServe(): boolean {
    return this.breaker.state !== "open";
  }

  get breakerState(): BreakerState {
    return this.breaker.state;
  }

  /** May a new connection be opened now? In half-open this takes a probe slot, settled by the connect. */
  admitsConnect(): boolean {
    return this.breaker.tryPass();
  }

  /**
   * A connect's outcome. Connects that were already in flight when a failure was counted say nothing
   * new about the endpoint (the fill's parallel connects to one down endpoint): they count once.
   */
  recordConnect(startedAt: number, error: Error | undefined, now = performance.now()): void {
    if (error === undefined) {
      this.#connectFailures = 0;
      this.#lastConnectError = undefined;
      this.breaker.recordSuccess();
      return;
    }
    this.#lastConnectError = error;
    // Started before the last counted failure, so it held no probe slot of a later half-open state.
    if (startedAt < this.#lastCountedFailureAt) return;
    this.#lastCountedFailureAt = now;
    this.#connectFailures++;
    this.#score.observeFailure(now);
    this.breaker.recordFailure(error);
  }

  /** A health check's, reset's or call's outcome; errors that say nothing about the endpoint do not count. */
  record(error: unknown, now = performance.now()): void {
    if (error === undefined) {
      this.breaker.recordSuccess();
      return;
    }
    if (this.breaker.counts(error)) this.#score.observeFailure(now);
    this.breaker.recordFailure(error);
  }

  /** A lease ended after `heldMs`: the latency estimate balancers use. */
  observeLatency(heldMs: number, now: number): void {
    this.#score.observeLatency(heldMs, now);
  }

  /** A connection of this endpoint was found broken: counts toward failure-aware balancing. */
  observeFailure(now: number): void {
    this.#score.observeFailure(now);
  }

  latencyAt(now: number): number | undefined {
    return this.#score.latencyAt(now);
  }

  failureScore(now: number): number {
    return this.#score.failureScore(now);
  }

  /** Connect failures in a row (connects that failed together count once); the create backoff's exponent. */
  get connectFailures(): number {
    return this.#connectFailures;
  }

  /** Why the last connect failed, while connects are failing. */
  get lastConnectError(): Error | undefined {
    return this.#lastConnectError;
  }

  /** The error a refused acquire gets while the breaker is open, with the last connect error as its cause. */
  openError(): CircuitOpenError {
    return this.breaker.openError(this.#lastConnectError);
  }

  stop(): void {
    this.#reachability?.stop();
    this.#subscription.unsubscribe();
    this.breaker.stop();
  }
}
