import fc from "fast-check";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import type { PoolEvent, PoolEventOf, PoolEventType } from "../../src/events/PoolEvent.js";
import { SUMMED_FIELDS } from "../../src/observers/EndpointMetrics.js";
import { addHistogram, emptyHistogram } from "../../src/observers/Histogram.js";
import { MetricsFold } from "../../src/observers/MetricsFold.js";
import { foldMetrics, type MetricsSnapshot } from "../../src/observers/metrics.js";
import { PrometheusExporter } from "../../src/observers/prometheus.js";
import { poolEvent, poolEvents } from "./arbitraryEvents.js";
import { parseExposition, sumSamples } from "./exposition.js";

const fold = (events: readonly PoolEvent[]) => {
  const f = new MetricsFold();
  for (const e of events) f.apply(e);
  return f;
};

/** The number of events of `type` that pass `where`: the simplest possible model of a counter. */
const tally = <T extends PoolEventType>(
  events: readonly PoolEvent[],
  type: T,
  where: (e: PoolEventOf<T>) => boolean = () => true,
) => events.filter((e): e is PoolEventOf<T> => e.type === type && where(e as PoolEventOf<T>)).length;

/** Each snapshot counter as a count of the events that make it, written independently of the fold. */
const oracle: Record<string, (events: readonly PoolEvent[]) => number> = {
  acquisitions: (es) => tally(es, "lease.acquired"),
  connectionsReused: (es) => tally(es, "lease.acquired", (e) => e.reused),
  releases: (es) => tally(es, "lease.released"),
  connectionsCreated: (es) => tally(es, "connection.opened"),
  connectionsClosed: (es) => tally(es, "connection.closed", (e) => e.wasOpen),
  connectFailures: (es) => tally(es, "connection.connectFailed"),
  healthChecksPassed: (es) => tally(es, "connection.validated", (e) => e.ok),
  healthChecksFailed: (es) => tally(es, "connection.validated", (e) => !e.ok && !e.cancelled),
  resets: (es) => tally(es, "connection.reset", (e) => e.ok),
  resetFailures: (es) => tally(es, "connection.reset", (e) => !e.ok && !e.cancelled),
  leaksDetected: (es) => tally(es, "lease.leaked"),
  breakerOpens: (es) => tally(es, "breaker.transition", (e) => e.to === "open"),
  successes: (es) => tally(es, "operation.succeeded"),
  errors: (es) => tally(es, "operation.failed"),
  retries: (es) => tally(es, "operation.retried"),
  hedges: (es) => tally(es, "operation.hedged"),
  acquireTimeouts: (es) => tally(es, "acquire.failed", (e) => e.reason === "timeout"),
  acquireAborts: (es) => tally(es, "acquire.failed", (e) => e.reason === "aborted"),
  acquireRejections: (es) => tally(es, "acquire.failed", (e) => !["timeout", "aborted"].includes(e.reason)),
  events: (es) => es.length,
  size: (es) => tally(es, "connection.opened") - tally(es, "connection.closed", (e) => e.wasOpen),
  inUse: (es) => tally(es, "lease.acquired") - tally(es, "lease.released"),
  waiting: (es) =>
    tally(es, "acquire.queued") -
    tally(es, "lease.acquired", (e) => e.queued) -
    tally(es, "acquire.failed", (e) => e.queued),
  sessionsActive: (es) =>
    tally(es, "session.created") -
    tally(es, "session.closed") -
    tally(es, "session.failed", (e) => e.phase === "closing"),
  syncPasses: (es) => tally(es, "sync.completed") + tally(es, "sync.failed"),
  transactionsBegun: (es) => tally(es, "transaction.began"),
  transactionsCommitted: (es) => tally(es, "transaction.committed"),
  transactionsCancelled: (es) => tally(es, "transaction.cancelled", (e) => e.reason !== "abandoned"),
  transactionsAbandoned: (es) =>
    es.reduce(
      (n, e) => n + (e.type === "transaction.cancelled" && e.reason === "abandoned" ? (e.count ?? 1) : 0),
      0,
    ),
  transactionsRetried: (es) => tally(es, "transaction.retried"),
  callTimeouts: (es) => tally(es, "lease.callTimedOut"),
  authRenewals: (es) => tally(es, "auth.renewed"),
  authFailures: (es) => tally(es, "auth.failed"),
  liveSubscriptions: (es) =>
    tally(es, "live.subscribed") - tally(es, "live.killed", (e) => e.reason !== "lease" && e.subscribed),
  liveNotifications: (es) => es.reduce((n, e) => n + (e.type === "live.notified" ? e.count : 0), 0),
  liveLosses: (es) => tally(es, "live.lost"),
  liveResubscribes: (es) => tally(es, "live.resubscribed"),
  liveGaps: (es) => tally(es, "live.gap"),
  liveBackfilled: (es) => es.reduce((n, e) => n + (e.type === "live.resubscribed" ? e.backfilled : 0), 0),
  liveLeaseKills: (es) =>
    es.reduce((n, e) => n + (e.type === "live.killed" && e.reason === "lease" ? (e.count ?? 1) : 0), 0),
  // The gauge is what the cache said last, not a count of opens minus evictions.
  userSessionsCached: (es) => {
    const said = es.filter((e) => e.type === "user.session.opened" || e.type === "user.session.evicted");
    const last = said.at(-1) as PoolEventOf<"user.session.opened" | "user.session.evicted"> | undefined;
    return last?.cached ?? 0;
  },
  userSessionsOpened: (es) => tally(es, "user.session.opened"),
  userSessionsReused: (es) => tally(es, "user.session.reused"),
  userSessionsRefused: (es) => tally(es, "user.session.refused"),
  userEvictions: (es) => tally(es, "user.session.evicted"),
};

/** Evictions per reason, counted the same naive way. */
const evictionOracle = (es: readonly PoolEvent[]) =>
  Object.fromEntries(
    (["lru", "expired", "forgotten", "dropped", "refused", "changed", "shutdown"] as const).map((reason) => [
      reason,
      tally(es, "user.session.evicted", (e) => e.reason === reason),
    ]),
  );

describe("the one metrics fold", () => {
  it("counts what a naive count of the events counts, for any event stream", () => {
    fc.assert(
      fc.property(poolEvents(), (events) => {
        const m = foldMetrics(events);
        for (const [field, count] of Object.entries(oracle))
          expect(m[field as keyof MetricsSnapshot], field).toBe(count(events));
        expect(m.idle).toBe(m.size - m.inUse - m.checking - m.retiring);
        expect(m.acquireWaitMs.count).toBe(m.acquisitions);
        expect(m.userEvictionsByReason).toEqual(evictionOracle(events));
      }),
      { numRuns: 300 },
    );
  });

  it("its snapshot is the sum of its per-endpoint numbers, field by field", () => {
    fc.assert(
      fc.property(poolEvents(), (events) => {
        const { snapshot, endpoints, acquireFailures } = fold(events).read();
        const all = Object.values(endpoints);
        for (const field of SUMMED_FIELDS)
          expect(snapshot[field], field).toBe(all.reduce((n, m) => n + m[field], 0));
        const waits = all.reduce(
          (h, m) => addHistogram(h, m.acquireWaitMs),
          emptyHistogram(snapshot.acquireWaitMs.bounds),
        );
        expect(snapshot.acquireWaitMs).toEqual(waits);
        for (const m of all) expect(m.idle).toBe(m.size - m.inUse - m.checking - m.retiring);
        // The pool-wide acquire counters are the per-reason counts, summed once.
        expect(snapshot.acquireTimeouts).toBe(acquireFailures.timeout);
        expect(snapshot.acquireAborts).toBe(acquireFailures.aborted);
        expect(snapshot.acquireRejections).toBe(
          acquireFailures.saturated + acquireFailures.closed + acquireFailures.unavailable,
        );
      }),
      { numRuns: 300 },
    );
  });

  it("a snapshot handed out never changes as the fold goes on", () => {
    fc.assert(
      fc.property(poolEvents(50), fc.array(poolEvent, { minLength: 1, maxLength: 50 }), (before, after) => {
        const f = fold(before);
        const taken = f.read();
        const copy = structuredClone(taken);
        for (const e of after) f.apply(e);
        expect(taken).toEqual(copy);
      }),
    );
  });
});

describe("Prometheus reads the same fold", () => {
  it("every value of the exposition equals the snapshot's (totals) and the endpoint's (per label)", async () => {
    await fc.assert(
      fc.asyncProperty(poolEvents(), async (events) => {
        const f = fold(events);
        const text = await new PrometheusExporter(() => f.read()).exposition(new Registry());
        const samples = parseExposition(text);
        const { snapshot: m, endpoints } = f.read();
        const total = (name: string, where: Record<string, string> = {}) =>
          sumSamples(samples, `surreal_pool_${name}`, where);
        const pairs: [string, number, Record<string, string>?][] = [
          ["acquisitions_total", m.acquisitions],
          ["connections_reused_total", m.connectionsReused],
          ["releases_total", m.releases],
          ["connections_created_total", m.connectionsCreated],
          ["connections_closed_total", m.connectionsClosed],
          ["connect_failures_total", m.connectFailures],
          ["leaks_detected_total", m.leaksDetected],
          ["breaker_opens_total", m.breakerOpens],
          ["retries_total", m.retries],
          ["hedges_total", m.hedges],
          ["health_checks_total", m.healthChecksPassed, { result: "passed" }],
          ["health_checks_total", m.healthChecksFailed, { result: "failed" }],
          ["resets_total", m.resets, { result: "ok" }],
          ["resets_total", m.resetFailures, { result: "failed" }],
          ["operations_total", m.successes, { outcome: "succeeded" }],
          ["operations_total", m.errors, { outcome: "failed" }],
          ["acquire_failures_total", m.acquireTimeouts, { reason: "timeout" }],
          ["acquire_failures_total", m.acquireAborts, { reason: "aborted" }],
          ["events_total", m.events],
          ["connections_open", m.size],
          ["connections_pending", m.pending],
          ["connections_in_use", m.inUse],
          ["connections_idle", m.idle],
          ["connections_checking", m.checking],
          ["connections_retiring", m.retiring],
          ["acquires_waiting", m.waiting],
          ["agent_sessions_active", m.sessionsActive],
          ["transactions_begun_total", m.transactionsBegun],
          ["transactions_committed_total", m.transactionsCommitted],
          ["transactions_cancelled_total", m.transactionsCancelled],
          ["transactions_retried_total", m.transactionsRetried],
          ["transactions_abandoned_total", m.transactionsAbandoned],
          ["call_timeouts_total", m.callTimeouts],
          ["auth_renewals_total", m.authRenewals],
          ["auth_failures_total", m.authFailures],
          ["live_subscriptions", m.liveSubscriptions],
          ["live_notifications_total", m.liveNotifications],
          ["live_losses_total", m.liveLosses],
          ["live_resubscribes_total", m.liveResubscribes],
          ["live_gaps_total", m.liveGaps],
          ["live_backfilled_total", m.liveBackfilled],
          ["live_lease_kills_total", m.liveLeaseKills],
          ["user_sessions_cached", m.userSessionsCached],
          ["user_sessions_opened_total", m.userSessionsOpened],
          ["user_sessions_reused_total", m.userSessionsReused],
          ["user_sessions_refused_total", m.userSessionsRefused],
          ["user_session_evictions_total", m.userEvictions],
          ...Object.entries(m.userEvictionsByReason).map(
            ([reason, n]): [string, number, Record<string, string>] => [
              "user_session_evictions_total",
              n,
              { reason },
            ],
          ),
          ["acquire_wait_seconds_count", m.acquireWaitMs.count],
          ["acquire_wait_seconds_bucket", m.acquireWaitMs.count, { le: "+Inf" }],
          ["lease_held_seconds_count", m.releases],
          ["operation_duration_seconds_count", m.successes + m.errors],
          ["connect_duration_seconds_count", m.connectionsCreated],
        ];
        for (const [name, value, where] of pairs) expect(total(name, where), name).toBe(value);
        expect(total("acquire_failures_total")).toBe(
          m.acquireTimeouts + m.acquireAborts + m.acquireRejections,
        );
        expect(total("acquire_wait_seconds_sum")).toBeCloseTo(m.acquireWaitMs.sumMs / 1_000, 6);
        // Per endpoint label, the endpoint's own numbers; the breaker gauge shows its last state.
        for (const [endpoint, e] of Object.entries(endpoints)) {
          if (endpoint === "") continue;
          expect(total("acquisitions_total", { endpoint })).toBe(e.acquisitions);
          expect(total("connections_idle", { endpoint })).toBe(e.idle);
          expect(total("lease_held_seconds_count", { endpoint })).toBe(e.leaseHeldMs.count);
          expect(total("breaker_state", { endpoint, state: e.breaker })).toBe(1);
          expect(total("breaker_state", { endpoint })).toBe(1);
        }
      }),
      { numRuns: 60 },
    );
  });
});
