import { Observable } from "rxjs";
import type { InspectionEvent, Observer } from "xstate";
import type { LiveConfig } from "../config/LiveConfig.js";
import type { Endpoint } from "../core/Endpoint.js";
import type { HeldUnit } from "../core/HeldUnits.js";
import { endpointsForNewUnit } from "../core/placeUnit.js";
import type { AuthRenewed } from "../events/LeaseSessionEvent.js";
import type { LiveEvent } from "../events/LiveEvent.js";
import type { RawConnection } from "../surreal/Connector.js";
import { authRenewed } from "../surreal/credentials/renewAuth.js";
import { connectorOf } from "../surreal/rawOf.js";
import { switchTo } from "../surreal/switchTo.js";
import { backoffDelay } from "../util/backoff.js";
import { LiveError } from "./LiveError.js";
import { LiveHost } from "./LiveHost.js";
import type { LiveNotification } from "./LiveNotification.js";
import { type LiveOptions, parseLiveRequest } from "./LiveOptions.js";
import { LiveRun, type LiveRunHost } from "./LiveRun.js";
import { timedOut } from "./timedOut.js";

export interface LiveRoomOptions {
  /** The pool's endpoints (connector and breaker of each), in configured order. */
  endpoints: () => readonly Endpoint[];
  namespace: string;
  database: string;
  /** Live events, and the renewals of the live connections' sign-ins (`auth.renewed`). */
  publish(event: LiveEvent | AuthRenewed): void;
  /** The `live` options, and the deadline of opening a live connection (the pool's `connectTimeoutMs`). */
  settings: LiveConfig & { connectTimeoutMs: number };
  /** An XState inspection observer for every subscription's machine. */
  inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void) | undefined;
}

/** Subscriptions and connections of the live room, for `healthStatus().live`. */
export interface LiveHealth {
  subscriptions: number;
  /** Lost and not yet registered again. */
  recovering: number;
  connections: { id: string; endpoint: string; subscriptions: number }[];
}

/**
 * Where `manager.live()` runs: connections kept for live queries (out of lease rotation, many
 * subscriptions each), placed on an endpoint whose breaker lets work through, and the subscriptions
 * on them. In remote mode a subscription stays on its endpoint until that endpoint fails.
 */
export class LiveRoom {
  readonly #options: LiveRoomOptions;
  readonly #hosts = new Set<LiveHost>();
  readonly #opening = new Map<string, Promise<LiveHost>>();
  readonly #runs = new Set<LiveRun>();
  #seq = 0;
  #hostSeq = 0;
  #closed = false;
  readonly #runHost: LiveRunHost;

  constructor(options: LiveRoomOptions) {
    this.#options = options;
    const s = options.settings;
    this.#runHost = {
      place: (run, preferred) => this.#place(run, preferred),
      leave: (run, host) => this.#leave(run, host),
      publish: options.publish,
      // Jittered: subscriptions lost together (one connection carries many) do not come back in lockstep.
      backoffMs: (attempt) =>
        backoffDelay(attempt, {
          initialBackoffMs: s.initialBackoffMs,
          maxBackoffMs: s.maxBackoffMs,
          multiplier: 2,
        }),
      maxAttempts: s.maxAttempts,
      feedPollMs: s.feedPollMs,
      // As long as a keepalive may take: a read that outlives it is on a connection about to be lost.
      readTimeoutMs: Math.max(s.keepaliveTimeoutMs * 2, 5_000),
      ended: (run) => this.#runs.delete(run),
      inspect: options.inspect,
    };
  }

  /** See `ConnectionManager.live`. Throws `ArgumentError` for bad arguments, before anything runs. */
  live(target: string, options?: LiveOptions): Observable<LiveNotification> {
    const request = parseLiveRequest(target, options);
    return new Observable<LiveNotification>((subscriber) => {
      const run = new LiveRun(`live-${++this.#seq}`, request, subscriber, this.#runHost);
      if (this.#closed) {
        subscriber.error(
          new LiveError("closed", run.id, "the pool is shut down; live() needs a running pool"),
        );
        return;
      }
      const onAbort = () => void run.stop("aborted");
      if (request.signal?.aborted) {
        subscriber.complete();
        return;
      }
      request.signal?.addEventListener("abort", onAbort, { once: true });
      this.#runs.add(run);
      void run.start();
      return () => {
        request.signal?.removeEventListener("abort", onAbort);
        void run.stop("unsubscribed");
      };
    });
  }

  health(): LiveHealth {
    let recovering = 0;
    for (const run of this.#runs) if (run.recovering) recovering++;
    return {
      subscriptions: this.#runs.size,
      recovering,
      connections: [...this.#hosts].map((h) => ({
        id: h.id,
        endpoint: h.endpoint,
        subscriptions: h.subscriptions.size,
      })),
    };
  }

  /** Ends every stream (completes it), kills its live query, closes the live connections. */
  async shutdown(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled([...this.#runs].map((run) => run.stop("shutdown")));
    await Promise.allSettled([...this.#opening.values()]);
    await Promise.allSettled([...this.#hosts].map((h) => h.close()));
    this.#hosts.clear();
  }

  /**
   * Where a subscription runs: a live connection with room (subscriptions of one namespace/database
   * share it) on an endpoint whose breaker lets work through, its previous endpoint's first, then the
   * least loaded; else a new live connection, opened where the core's placement of a new unit says
   * (an endpoint with room under its bound), while that endpoint has fewer than
   * `live.connectionsPerEndpoint` of them.
   */
  async #place(run: LiveRun, preferred: string | undefined): Promise<LiveHost> {
    if (this.#closed) throw new LiveError("closed", run.id, "the pool is shutting down");
    const key = `${run.request.namespace ?? this.#options.namespace}/${run.request.database ?? this.#options.database}`;
    const endpoints = this.#options.endpoints();
    if (!endpoints.some((e) => e.canServe())) {
      // Every breaker open: the subscription waits for the first to probe again (not an attempt spent).
      const errors = endpoints.map((e) => e.openError());
      const retryAfterMs = Math.min(...errors.map((e) => e.retryAfterMs ?? 1_000));
      throw Object.assign(new Error("no endpoint can serve (every circuit breaker is open)"), {
        retryAfterMs: Math.max(10, retryAfterMs),
      });
    }
    const { subscriptionsPerConnection, connectionsPerEndpoint } = this.#options.settings;
    let lastError: unknown = new Error(
      `every live connection is full (${connectionsPerEndpoint} per endpoint x ${subscriptionsPerConnection} live queries)`,
    );
    const load = (e: Endpoint) => this.#load(e);
    const tried = new Set<Endpoint>();
    for (;;) {
      const free = this.#withRoom(endpoints, key, preferred);
      if (free) {
        free.subscriptions.add(run);
        return free;
      }
      // A connection for these subscriptions is opening already: wait for it, then look again.
      const opening = this.#opening.get(key);
      if (opening) {
        await opening.catch(() => {});
        continue;
      }
      const endpoint = endpointsForNewUnit(endpoints, { preferred, load }).find(
        (e) => !tried.has(e) && this.#connectionsOn(e) < connectionsPerEndpoint,
      );
      if (!endpoint) throw tried.size === 0 ? this.#noRoom(endpoints, lastError) : lastError;
      tried.add(endpoint);
      const open = this.#open(endpoint, key, run);
      this.#opening.set(key, open);
      try {
        await open;
      } catch (error) {
        lastError = error;
      } finally {
        this.#opening.delete(key);
      }
    }
  }

  /** Why no live connection could open: the live room's own share is used up, or every endpoint's bound. */
  #noRoom(endpoints: readonly Endpoint[], full: unknown): unknown {
    const { connectionsPerEndpoint } = this.#options.settings;
    const bounded = endpoints.find(
      (e) => e.canServe() && !e.hasRoom() && this.#connectionsOn(e) < connectionsPerEndpoint,
    );
    if (!bounded) return full;
    return new Error(
      `${bounded.endpoint} holds its bound of ${bounded.maxUnits} sessions (pool.maxSessionsPerEndpoint: pooled connections, live connections and agents' sessions count); raise it, or close agent sessions`,
    );
  }

  /** A live connection for `key` with room, on an endpoint that serves: `preferred`'s, else the least loaded. */
  #withRoom(
    endpoints: readonly Endpoint[],
    key: string,
    preferred: string | undefined,
  ): LiveHost | undefined {
    const { subscriptionsPerConnection } = this.#options.settings;
    let best: LiveHost | undefined;
    let bestRank = Number.POSITIVE_INFINITY;
    for (const host of this.#hosts) {
      if (host.key !== key || host.lost || host.subscriptions.size >= subscriptionsPerConnection) continue;
      const endpoint = endpoints.find((e) => e.endpoint === host.endpoint);
      if (!endpoint?.canServe()) continue;
      const rank = host.endpoint === preferred ? -1 : this.#load(endpoint);
      if (rank < bestRank) [best, bestRank] = [host, rank];
    }
    return best;
  }

  async #open(endpoint: Endpoint, key: string, run: LiveRun): Promise<LiveHost> {
    const { keepaliveIntervalMs, keepaliveTimeoutMs } = this.#options.settings;
    const holding = endpoint.hold("live", () => this.#connect(endpoint, key));
    if (!holding) {
      throw new Error(
        `${endpoint.endpoint} holds its bound of ${endpoint.maxUnits} sessions (pool.maxSessionsPerEndpoint)`,
      );
    }
    let held: HeldUnit<RawConnection>;
    try {
      held = await holding;
    } catch (error) {
      endpoint.record(error);
      throw error;
    }
    if (this.#closed) {
      await held.close();
      throw new LiveError("closed", run.id, "the pool is shutting down");
    }
    const raw = held.unit;
    const id = `live-connection-${++this.#hostSeq}`;
    if (raw.auth) {
      // Its keepalive's and its feed reads' renewals are events and counted, as a pooled connection's.
      const target = { connectionId: id, endpoint: endpoint.endpoint };
      raw.renewedInPing = (reason, durationMs) =>
        this.#options.publish(authRenewed(target, reason, durationMs));
    }
    const host = new LiveHost({
      id,
      endpoint: endpoint.endpoint,
      key,
      held,
      keepaliveIntervalMs,
      keepaliveTimeoutMs,
      // A loss is not counted on the breaker: the pool's own connections to that endpoint report for
      // it, and a keepalive miss under load would otherwise open it for every caller.
      onLost: (lost) => {
        this.#hosts.delete(lost);
      },
    });
    this.#hosts.add(host);
    return host;
  }

  /** A socket of its own on `endpoint`, in `key`'s namespace and database. */
  async #connect(endpoint: Endpoint, key: string): Promise<RawConnection> {
    const { connectTimeoutMs } = this.#options.settings;
    const abort = new AbortController();
    const connector = connectorOf(endpoint);
    const opening = connector.openDedicated
      ? connector.openDedicated(abort.signal)
      : connector.open(abort.signal);
    const raw = await timedOut(
      opening,
      connectTimeoutMs,
      `opening a live connection to ${endpoint.endpoint}`,
    ).catch((error: unknown) => {
      abort.abort();
      throw error;
    });
    const [namespace, database] = key.split("/") as [string, string];
    if (namespace !== raw.baseline.namespace || database !== raw.baseline.database) {
      await switchTo(raw.db, { namespace, database }).catch(async (error: unknown) => {
        await raw.close().catch(() => {});
        throw error;
      });
    }
    return raw;
  }

  #leave(run: LiveRun, host: LiveHost): void {
    host.subscriptions.delete(run);
    if (host.subscriptions.size === 0 && !host.lost && this.#hosts.has(host)) {
      this.#hosts.delete(host);
      void host.close();
    }
  }

  #connectionsOn(endpoint: Endpoint): number {
    let n = 0;
    for (const h of this.#hosts) if (h.endpoint === endpoint.endpoint) n++;
    return n;
  }

  #load(endpoint: Endpoint): number {
    let n = 0;
    for (const h of this.#hosts) if (h.endpoint === endpoint.endpoint) n += h.subscriptions.size;
    return n;
  }

  /** Checks every live connection now (a keepalive pass); tests drive it instead of waiting. */
  async checkConnections(): Promise<void> {
    await Promise.all([...this.#hosts].map((h) => h.check()));
  }
}
