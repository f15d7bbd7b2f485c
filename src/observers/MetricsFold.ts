import type { AcquireFailed, PoolEvent, PoolEventType } from "../events/PoolEvent.js";
import { AUTH_CASES, type AuthTotals, emptyAuthTotals } from "../surreal/credentials/authMetrics.js";
import {
  emptyTransactionTotals,
  TRANSACTION_CASES,
  type TransactionTotals,
} from "../transaction/transactionMetrics.js";
import {
  type EndpointMetrics,
  emptyEndpointMetrics,
  readEndpointMetrics,
  SUMMED_FIELDS,
} from "./EndpointMetrics.js";
import {
  ACQUIRE_WAIT_BUCKETS_MS,
  addHistogram,
  emptyHistogram,
  type Histogram,
  observe,
} from "./Histogram.js";
import { emptyLiveTotals, LIVE_CASES, type LiveTotals } from "./liveMetrics.js";
import type { MetricsSnapshot } from "./MetricsSnapshot.js";
import { copySyncRemotes, emptySyncTotals, SYNC_CASES, type SyncTotals } from "./syncMetrics.js";
import { emptyUserTotals, USER_CASES, type UserTotals } from "./userMetrics.js";

export type AcquireFailureReason = AcquireFailed["reason"];

/** The totals of the features above the connections, folded by their own blocks' cases. */
type FeatureTotals = SyncTotals & TransactionTotals & AuthTotals & LiveTotals & UserTotals;

/** Every feature block's cases by event type (each event type in one block). */
const FEATURE_CASES: Partial<Record<PoolEventType, (t: FeatureTotals, e: never) => void>> = {
  ...SYNC_CASES,
  ...TRANSACTION_CASES,
  ...AUTH_CASES,
  ...LIVE_CASES,
  ...USER_CASES,
};

/** Which of an endpoint's histograms an observation went into. */
export type ObservedHistogram = "acquireWaitMs" | "leaseHeldMs" | "operationMs" | "connectMs";

/** Told every observation the fold puts into a histogram (how OpenTelemetry's histograms are fed). */
export type ObservationListener = (histogram: ObservedHistogram, endpoint: string, ms: number) => void;

/** Everything the fold knows at one moment, read at once so the numbers agree with each other. */
export interface MetricsReading {
  /** The pool's totals: the sums over `endpoints` plus what belongs to no endpoint. */
  snapshot: MetricsSnapshot;
  /** Per endpoint URL; "" holds operations that never reached a connection (when there were any). */
  endpoints: Record<string, EndpointMetrics>;
  /** Events folded, per type. */
  eventsByType: Record<string, number>;
  /** Acquires that got nothing, per reason (the snapshot's three acquire-failure counters, split finer). */
  acquireFailures: Record<AcquireFailureReason, number>;
  /** The pool's configured bounds, from `pool.started`; undefined before it. */
  limits: { minConnections: number; maxConnections: number } | undefined;
}

/**
 * THE metrics fold: one pass over `events$` that every view reads (`snapshot()`, Prometheus,
 * OpenTelemetry, the dashboard's numbers). It keeps numbers per endpoint and the few that belong to
 * the pool as a whole; the snapshot is their sum. Folding an event costs two map lookups (its type's
 * counter, and its endpoint's numbers unless the endpoint is the previous event's) and a few
 * increments, and allocates nothing once each endpoint and event type has been seen.
 */
export class MetricsFold {
  readonly #endpoints = new Map<string, EndpointMetrics>();
  /** A box per type, so counting an event is one map lookup (not a get and a set). */
  readonly #eventsByType = new Map<string, { n: number }>();
  readonly #acquireFailures: Record<AcquireFailureReason, number> = {
    timeout: 0,
    aborted: 0,
    saturated: 0,
    closed: 0,
    unavailable: 0,
  };
  readonly #features: FeatureTotals = {
    ...emptySyncTotals(),
    ...emptyTransactionTotals(),
    ...emptyAuthTotals(),
    ...emptyLiveTotals(),
    ...emptyUserTotals(),
  };
  readonly #listeners: ObservationListener[] = [];
  #events = 0;
  #waiting = 0;
  #sessions = 0;
  #limits: MetricsReading["limits"];
  #lastKey: string | undefined;
  #last: EndpointMetrics | undefined;

  /** Starts telling `listener` every histogram observation; the returned function stops it. */
  listen(listener: ObservationListener): () => void {
    this.#listeners.push(listener);
    return () => {
      const i = this.#listeners.indexOf(listener);
      if (i >= 0) this.#listeners.splice(i, 1);
    };
  }

  apply(e: PoolEvent): void {
    this.#events++;
    const counter = this.#eventsByType.get(e.type);
    if (counter) counter.n++;
    else this.#eventsByType.set(e.type, { n: 1 });
    switch (e.type) {
      case "lease.acquired": {
        const m = this.#endpoint(e.endpoint);
        m.acquisitions++;
        if (e.reused) m.connectionsReused++;
        if (e.queued) this.#waiting--;
        m.inUse++;
        this.#observe(m.acquireWaitMs, "acquireWaitMs", e.endpoint, e.waitMs);
        break;
      }
      case "lease.released": {
        const m = this.#endpoint(e.endpoint);
        m.releases++;
        m.inUse--;
        this.#observe(m.leaseHeldMs, "leaseHeldMs", e.endpoint, e.heldMs);
        break;
      }
      case "acquire.queued":
        this.#waiting++;
        break;
      case "acquire.failed":
        if (e.queued) this.#waiting--;
        this.#acquireFailures[e.reason]++;
        break;
      case "lease.leaked":
        this.#endpoint(e.endpoint).leaksDetected++;
        break;
      case "connection.connecting":
        this.#endpoint(e.endpoint).pending++;
        break;
      case "connection.opened": {
        const m = this.#endpoint(e.endpoint);
        m.pending--;
        m.size++;
        m.connectionsCreated++;
        this.#observe(m.connectMs, "connectMs", e.endpoint, e.durationMs);
        break;
      }
      case "connection.connectFailed": {
        const m = this.#endpoint(e.endpoint);
        m.pending--;
        m.connectFailures++;
        break;
      }
      case "connection.validating":
      case "connection.resetting":
        this.#endpoint(e.endpoint).checking++;
        break;
      case "connection.validated": {
        const m = this.#endpoint(e.endpoint);
        m.checking--;
        if (e.ok) m.healthChecksPassed++;
        else if (!e.cancelled) m.healthChecksFailed++;
        break;
      }
      case "connection.reset": {
        const m = this.#endpoint(e.endpoint);
        m.checking--;
        if (e.ok) m.resets++;
        else if (!e.cancelled) m.resetFailures++;
        break;
      }
      case "connection.retiring":
        this.#endpoint(e.endpoint).retiring++;
        break;
      case "connection.closed": {
        const m = this.#endpoint(e.endpoint);
        if (e.wasOpen) {
          m.size--;
          m.retiring--;
          m.connectionsClosed++;
        } else m.pending--;
        break;
      }
      case "operation.succeeded": {
        const m = this.#endpoint(e.endpoint);
        m.successes++;
        this.#observe(m.operationMs, "operationMs", e.endpoint ?? "", e.durationMs);
        break;
      }
      case "operation.failed": {
        const m = this.#endpoint(e.endpoint);
        m.errors++;
        this.#observe(m.operationMs, "operationMs", e.endpoint ?? "", e.durationMs);
        break;
      }
      case "operation.retried":
        this.#endpoint(e.endpoint).retries++;
        break;
      case "operation.hedged":
        this.#endpoint(e.endpoint).hedges++;
        break;
      case "breaker.transition": {
        const m = this.#endpoint(e.endpoint);
        m.breaker = e.to;
        if (e.to === "open") m.breakerOpens++;
        break;
      }
      case "pool.started":
        this.#limits = { minConnections: e.minConnections, maxConnections: e.maxConnections };
        break;
      case "session.created":
        this.#sessions++;
        break;
      case "session.closed":
        this.#sessions--;
        break;
      case "session.failed":
        // Failing while creating means it never counted as a session.
        if (e.phase === "closing") this.#sessions--;
        break;
      default:
        // Features above the connections (sync, transactions, sign-ins, live queries, end users): each
        // block's cases, one per event type, in their own files.
        FEATURE_CASES[e.type]?.(this.#features, e as never);
        break;
    }
  }

  /** The pool's totals (a copy). */
  snapshot(): MetricsSnapshot {
    const s = {
      acquireTimeouts: this.#acquireFailures.timeout,
      acquireAborts: this.#acquireFailures.aborted,
      acquireRejections:
        this.#acquireFailures.saturated + this.#acquireFailures.closed + this.#acquireFailures.unavailable,
      events: this.#events,
      waiting: this.#waiting,
      sessionsActive: this.#sessions,
      acquireWaitMs: emptyHistogram(ACQUIRE_WAIT_BUCKETS_MS),
      ...this.#features,
      syncRemotes: copySyncRemotes(this.#features.syncRemotes),
      // The fold's own record goes on changing; the snapshot gets a copy.
      userEvictionsByReason: { ...this.#features.userEvictionsByReason },
    } as MetricsSnapshot;
    for (const field of SUMMED_FIELDS) s[field] = 0;
    for (const m of this.#endpoints.values()) {
      for (const field of SUMMED_FIELDS) s[field] += m[field];
      addHistogram(s.acquireWaitMs, m.acquireWaitMs);
    }
    // Derived, not kept: an endpoint's stored `idle` stays 0 and only its readings fill it in.
    s.idle = s.size - s.inUse - s.checking - s.retiring;
    return s;
  }

  /** Everything at once (copies). */
  read(): MetricsReading {
    const endpoints: Record<string, EndpointMetrics> = {};
    for (const [url, m] of this.#endpoints) endpoints[url] = readEndpointMetrics(m);
    return {
      snapshot: this.snapshot(),
      endpoints,
      eventsByType: Object.fromEntries([...this.#eventsByType].map(([type, { n }]) => [type, n])),
      acquireFailures: { ...this.#acquireFailures },
      limits: this.#limits && { ...this.#limits },
    };
  }

  #endpoint(endpoint: string | undefined): EndpointMetrics {
    const key = endpoint ?? "";
    if (key === this.#lastKey) return this.#last!;
    let m = this.#endpoints.get(key);
    if (!m) {
      m = emptyEndpointMetrics();
      this.#endpoints.set(key, m);
    }
    this.#lastKey = key;
    this.#last = m;
    return m;
  }

  #observe(h: Histogram, histogram: ObservedHistogram, endpoint: string, ms: number): void {
    observe(h, ms);
    const listeners = this.#listeners;
    for (let i = 0; i < listeners.length; i++) listeners[i]!(histogram, endpoint, ms);
  }
}
