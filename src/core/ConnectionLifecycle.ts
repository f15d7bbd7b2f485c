import type { PoolOptions } from "../config/options.js";
import type { ConnectionEvent, PoolEvent, RetireReason } from "../events/PoolEvent.js";
import { createBackoffMs } from "./createBackoff.js";
import type { Endpoint } from "./Endpoint.js";
import { leaseReleased } from "./leaseReleased.js";
import { PooledConnection } from "./PooledConnection.js";
import { endpointsForNewUnit } from "./placeUnit.js";

/** What the lifecycle tells the pool, and asks of it. */
export interface LifecycleHost {
  readonly endpoints: readonly Endpoint[];
  readonly options: PoolOptions;
  readonly closeTimeoutMs: number;
  readonly inspect: unknown;
  publish(event: PoolEvent): void;
  /** True while the pool takes work (a failed connect is retried only then). */
  running(): boolean;
  /** Something the dispatch decides on changed: a connection opened or left, a backoff ended. */
  changed(): void;
  /** A connection opened (the rebalancer hears of every one). */
  opened(connection: PooledConnection): void;
  /** A connection left for good: shutdown's drain may be done. */
  left(): void;
}

/**
 * A connection's life: opening one on an endpoint (or where the placement rule of new units says),
 * filing what its machine reports (opened, failed, retiring, closed, validated) with its Endpoint,
 * retiring one, and the backoff after a failed connect.
 * When to open is decided by the pool's dispatch, when to retire a connection that is not coming back
 * by the Housekeeper; where a returned connection goes is decided here (`returned`).
 */
export class ConnectionLifecycle {
  readonly #host: LifecycleHost;
  readonly #endpointOf = new WeakMap<PooledConnection, Endpoint>();
  #connectionSeq = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(host: LifecycleHost) {
    this.#host = host;
  }

  /** The endpoint a connection belongs to. */
  endpointOf(connection: PooledConnection): Endpoint {
    return this.#endpointOf.get(connection)!;
  }

  /** True while backing off after a failed connect: no connect starts until it ends. */
  get backingOff(): boolean {
    return this.#retryTimer !== undefined;
  }

  /** Ends a backoff without the retry it was waiting for (shutdown). */
  stopRetrying(): void {
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
  }

  /**
   * Opens `count` connections (the warm-up), spread like any other, and waits for them. Resolves with
   * the first failure when every one failed (the endpoints cannot be reached at all); when some opened
   * (one of several endpoints is down, say), with undefined: the pool refills with backoff, through the
   * breakers.
   */
  async warmUp(count: number): Promise<{ error: Error; tried: number } | undefined> {
    const warm: PooledConnection[] = [];
    for (let i = 0; i < count; i++) {
      const connection = this.open();
      if (connection) warm.push(connection);
    }
    const results = await Promise.allSettled(warm.map((c) => c.opened));
    const failure = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (!failure || results.some((r) => r.status === "fulfilled")) return undefined;
    return { error: failure.reason as Error, tried: warm.length };
  }

  /** Gives up every connect in flight (shutdown). */
  giveUpConnects(): void {
    for (const endpoint of this.#host.endpoints) {
      for (const connection of [...endpoint.connections()]) {
        if (connection.place === "opening") this.retire(connection, "shutdown");
      }
    }
  }

  /**
   * Opens one connection on `target`, or on the endpoint with the fewest connections that may take
   * one (connections stay spread; the balancer then decides where the work goes). Only the chosen
   * endpoint's breaker is asked (in half-open, asking takes its probe slot).
   */
  open(target?: Endpoint): PooledConnection | undefined {
    const endpoint = target ?? this.#placeNewConnection();
    if (!endpoint || (target && !(target.hasRoom() && target.admitsConnect()))) return undefined;
    const { options } = this.#host;
    const { maxLifetimeMs } = options;
    const connection = new PooledConnection({
      id: String(++this.#connectionSeq),
      connector: endpoint.connector,
      connectTimeoutMs: options.connectTimeoutMs,
      validationTimeoutMs: options.validationTimeoutMs,
      closeTimeoutMs: this.#host.closeTimeoutMs,
      // Jitter lifetimes down by up to 10% so connections opened together do not all expire together.
      lifetimeMs:
        maxLifetimeMs === null ? Number.POSITIVE_INFINITY : maxLifetimeMs * (1 - Math.random() * 0.1),
      onEvent: this.#onConnectionEvent,
      inspect: this.#host.inspect,
    });
    this.#endpointOf.set(connection, endpoint);
    endpoint.opening(connection);
    return connection.start();
  }

  #placeNewConnection(): Endpoint | undefined {
    const { endpoints } = this.#host;
    if (endpoints.length === 1) {
      const only = endpoints[0]!;
      return only.hasRoom() && only.admitsConnect() ? only : undefined;
    }
    return endpointsForNewUnit(endpoints).find((e) => e.admitsConnect());
  }

  /**
   * Files a connection as retiring and has its machine close it. A lease on it must have ended first
   * (released, or revoked): only a drop the machine sees by itself ends a lease here (`retiring` event).
   */
  retire(connection: PooledConnection, reason: RetireReason): void {
    if (connection.place !== "opening") this.endpointOf(connection).toRetiring(connection);
    void connection.retire(reason);
  }

  /**
   * Where a returned connection goes, decided here alone: it retires when the layer above discards it
   * (`verdict`), when it has served `maxUses` leases or outlived its lifetime, while the pool closes
   * (`closing`), or when its endpoint has a surplus to shed for rebalancing; else it goes back on the
   * idle stack, after a reset when the borrower changed something (`verdict` lists what: the returned
   * promise settles once it is back).
   */
  returned(
    connection: PooledConnection,
    endpoint: Endpoint,
    verdict: "discard" | readonly string[],
    closing: boolean,
    now: number,
  ): Promise<void> | undefined {
    const { maxUses } = this.#host.options;
    if (verdict === "discard") {
      endpoint.observeFailure(now);
      this.retire(connection, "broken");
    } else if (maxUses !== null && connection.uses >= maxUses) {
      this.retire(connection, "maxUses");
    } else if (now >= connection.expiresAt) {
      this.retire(connection, "lifetime");
    } else if (closing) {
      this.retire(connection, "shutdown");
    } else if (endpoint.surplus > 0) {
      endpoint.surplus--;
      this.retire(connection, "rebalance");
    } else if (verdict.length > 0) {
      endpoint.toChecking(connection);
      return connection.reset(verdict).then((ok) => {
        if (ok && connection.place === "checking") endpoint.toIdle(connection, performance.now(), true);
        this.#host.changed();
      });
    } else {
      endpoint.toIdle(connection, now, true);
    }
    return undefined;
  }

  readonly #onConnectionEvent = (connection: PooledConnection, event: ConnectionEvent): void => {
    const host = this.#host;
    const endpoint = this.endpointOf(connection);
    switch (event.type) {
      case "connection.opened": {
        // Published first: a breaker transition this outcome causes comes after what caused it.
        host.publish(event);
        endpoint.recordConnect(connection.createdAt, undefined);
        endpoint.toIdle(connection, performance.now(), false);
        host.opened(connection);
        host.changed();
        return;
      }
      case "connection.connectFailed":
        endpoint.forget(connection);
        host.publish(event);
        endpoint.recordConnect(connection.createdAt, event.error);
        this.#scheduleRetry(endpoint);
        host.changed();
        host.left();
        return;
      case "connection.retiring": {
        const lease = endpoint.leaseOf(connection);
        // Its connection broke under a borrower: the lease ends here (and says why), so every count
        // that includes it stays true, and the borrower's calls fail instead of hanging.
        if (lease) {
          host.publish(leaseReleased(lease, performance.now(), "broken"));
          lease.revoke("broken", event.error);
        }
        if (event.reason === "broken") endpoint.observeFailure(performance.now());
        endpoint.toRetiring(connection);
        host.publish(event);
        return;
      }
      case "connection.closed":
        endpoint.forget(connection);
        host.publish(event);
        host.changed();
        host.left();
        return;
      case "connection.validated":
        host.publish(event);
        if (!event.cancelled) endpoint.record(event.ok ? undefined : event.error);
        return;
      default:
        host.publish(event);
    }
  };

  /** After a failed connect, try again with backoff (never a tight loop), only while there is demand. */
  #scheduleRetry(endpoint: Endpoint): void {
    if (!this.#host.running() || this.#retryTimer) return;
    const delay = createBackoffMs(endpoint.connectFailures, this.#host.options.retryPolicy);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#host.changed();
    }, delay);
    this.#retryTimer.unref?.();
  }
}
