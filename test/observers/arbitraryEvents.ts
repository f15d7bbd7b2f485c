import fc from "fast-check";
import type { PoolEvent } from "../../src/events/PoolEvent.js";

/**
 * Any event the metrics fold reads, with arbitrary endpoints and payloads. The fold is arithmetic, so
 * the properties over it hold for any sequence, consistent or not; `ts` is constant because no number
 * of the fold depends on it (except a sync remote's lastSuccessAt, which copies it).
 */
export const ENDPOINTS = ["ws://a:8000", "ws://b:8000", "mem://"] as const;
const endpoint = fc.constantFrom(...ENDPOINTS);
const ref = fc.record({ connectionId: fc.constantFrom("1", "2", "3"), endpoint, ts: fc.constant(1) });
const ms = fc.double({ min: 0, max: 20_000, noNaN: true });
const maybeEndpoint = fc.option(endpoint, { nil: undefined });
const agent = fc.record({ agentId: fc.constantFrom("a1", "a2"), ts: fc.constant(1) });
const user = fc.record({ user: fc.constantFrom("0123456789ab", "ba9876543210"), ts: fc.constant(1) });
const lag = { lagRecords: 0, lagMore: false, lagMs: 0 };

export const poolEvent: fc.Arbitrary<PoolEvent> = fc.oneof(
  ref.map((r) => ({ ...r, type: "connection.connecting" as const })),
  fc.tuple(ref, ms).map(([r, durationMs]) => ({ ...r, type: "connection.opened" as const, durationMs })),
  fc.tuple(ref, ms).map(([r, durationMs]) => ({
    ...r,
    type: "connection.connectFailed" as const,
    error: new Error("x"),
    durationMs,
  })),
  ref.map((r) => ({ ...r, type: "connection.validating" as const })),
  fc.tuple(ref, fc.boolean(), fc.boolean()).map(([r, ok, cancelled]) => ({
    ...r,
    type: "connection.validated" as const,
    ok,
    cancelled,
    durationMs: 1,
  })),
  ref.map((r) => ({ ...r, type: "connection.resetting" as const })),
  fc.tuple(ref, fc.boolean(), fc.boolean()).map(([r, ok, cancelled]) => ({
    ...r,
    type: "connection.reset" as const,
    undone: [],
    ok,
    cancelled,
  })),
  ref.map((r) => ({ ...r, type: "connection.retiring" as const, reason: "idle" as const })),
  fc.tuple(ref, fc.boolean()).map(([r, wasOpen]) => ({ ...r, type: "connection.closed" as const, wasOpen })),
  fc.tuple(ref, fc.boolean(), fc.boolean(), ms).map(([r, reused, queued, waitMs]) => ({
    ...r,
    type: "lease.acquired" as const,
    requestId: 1,
    reused,
    queued,
    waitMs,
  })),
  fc.tuple(ref, ms).map(([r, heldMs]) => ({ ...r, type: "lease.released" as const, heldMs })),
  fc.constant({ type: "acquire.queued" as const, ts: 1, requestId: 1, waiting: 1 }),
  fc
    .tuple(fc.constantFrom("timeout", "aborted", "saturated", "closed", "unavailable" as const), fc.boolean())
    .map(([reason, queued]) => ({
      type: "acquire.failed" as const,
      ts: 1,
      requestId: 1,
      reason,
      queued,
      waitMs: 1,
      error: new Error("x"),
    })),
  ref.map((r) => ({ ...r, type: "lease.leaked" as const, heldMs: 1 })),
  fc.tuple(maybeEndpoint, ms).map(([e, durationMs]) => ({
    type: "operation.succeeded" as const,
    ts: 1,
    attempts: 1,
    durationMs,
    endpoint: e,
  })),
  fc.tuple(maybeEndpoint, ms).map(([e, durationMs]) => ({
    type: "operation.failed" as const,
    ts: 1,
    attempts: 1,
    durationMs,
    error: new Error("x"),
    endpoint: e,
  })),
  maybeEndpoint.map((e) => ({
    type: "operation.retried" as const,
    ts: 1,
    attempt: 1,
    delayMs: 1,
    error: new Error("x"),
    endpoint: e,
  })),
  maybeEndpoint.map((e) => ({ type: "operation.hedged" as const, ts: 1, delayMs: 1, endpoint: e })),
  fc.tuple(endpoint, fc.constantFrom("closed", "open", "halfOpen" as const)).map(([e, to]) => ({
    type: "breaker.transition" as const,
    ts: 1,
    endpoint: e,
    from: "closed" as const,
    to,
    failures: 1,
  })),
  fc.tuple(fc.nat(5), fc.integer({ min: 5, max: 20 })).map(([minConnections, maxConnections]) => ({
    type: "pool.started" as const,
    ts: 1,
    mode: "local" as const,
    endpoints: ["mem://"],
    minConnections,
    maxConnections,
  })),
  agent.map((a) => ({
    ...a,
    type: "session.created" as const,
    namespace: "n",
    database: "d",
    restoredEvents: 0,
  })),
  agent.map((a) => ({ ...a, type: "session.closed" as const, forcedReleases: 0, pendingTransactions: 0 })),
  fc.tuple(agent, fc.constantFrom("creating", "closing" as const)).map(([a, phase]) => ({
    ...a,
    type: "session.failed" as const,
    phase,
    error: new Error("x"),
  })),
  // Transactions, sign-ins and live queries: pool-wide counters.
  endpoint.map((e) => ({ type: "transaction.began" as const, ts: 1, endpoint: e, attempt: 1 })),
  endpoint.map((e) => ({
    type: "transaction.committed" as const,
    ts: 1,
    endpoint: e,
    attempts: 1,
    durationMs: 1,
  })),
  fc
    .tuple(
      endpoint,
      fc.constantFrom("threw", "timeout", "abandoned" as const),
      fc.option(fc.nat(3), { nil: undefined }),
    )
    .map(([e, reason, count]) => ({
      type: "transaction.cancelled" as const,
      ts: 1,
      endpoint: e,
      reason,
      ...(count === undefined ? {} : { count }),
    })),
  endpoint.map((e) => ({
    type: "transaction.retried" as const,
    ts: 1,
    endpoint: e,
    attempt: 2,
    delayMs: 1,
    error: new Error("x"),
  })),
  ref.map((r) => ({ ...r, type: "lease.callTimedOut" as const, method: "query", timeoutMs: 1, heldMs: 1 })),
  fc
    .tuple(ref, fc.boolean())
    .map(([r, ok]) =>
      ok
        ? { ...r, type: "auth.renewed" as const, reason: "expiring" as const, durationMs: 1 }
        : { ...r, type: "auth.failed" as const, reason: "refused" as const, error: new Error("x") },
    ),
  ref.map((r) => ({ ...r, type: "live.subscribed" as const, subscriptionId: "s", table: "t" })),
  fc.nat(5).map((count) => ({ type: "live.notified" as const, ts: 1, subscriptionId: "s", count })),
  ref.map((r) => ({ ...r, type: "live.lost" as const, subscriptionId: "s", error: new Error("x") })),
  fc.tuple(ref, fc.nat(5)).map(([r, backfilled]) => ({
    ...r,
    type: "live.resubscribed" as const,
    subscriptionId: "s",
    durationMs: 1,
    backfilled,
    attempts: 1,
  })),
  fc.constant({ type: "live.gap" as const, ts: 1, subscriptionId: "s", from: 0, to: 1, reason: "x" }),
  fc
    .tuple(
      fc.constantFrom("unsubscribed", "lease" as const),
      fc.boolean(),
      fc.option(fc.nat(3), { nil: undefined }),
    )
    .map(([reason, subscribed, count]) => ({
      type: "live.killed" as const,
      ts: 1,
      subscriptionId: "s",
      reason,
      subscribed,
      ...(count === undefined ? {} : { count }),
    })),
  // End users' sessions: pool-wide counters, and the cache's own count of sessions as a gauge.
  fc.tuple(user, endpoint, fc.nat(5), fc.boolean()).map(([u, e, cached, signedIn]) => ({
    ...u,
    type: "user.session.opened" as const,
    endpoint: e,
    durationMs: 1,
    signedIn,
    cached,
  })),
  user.map((u) => ({ ...u, type: "user.session.reused" as const })),
  fc
    .tuple(
      user,
      fc.constantFrom("lru", "expired", "forgotten", "dropped", "refused", "changed", "shutdown" as const),
      fc.nat(5),
    )
    .map(([u, reason, cached]) => ({ ...u, type: "user.session.evicted" as const, reason, cached })),
  fc
    .tuple(user, endpoint)
    .map(([u, e]) => ({ ...u, type: "user.session.refused" as const, endpoint: e, error: new Error("x") })),
  endpoint.map((e) => ({ type: "user.sockets" as const, ts: 1, endpoint: e, reason: "no sessions" })),
  fc.tuple(fc.constantFrom("ws://r1", "ws://r2"), fc.nat(50), fc.boolean()).map(([remote, records, ok]) =>
    ok
      ? {
          type: "sync.completed" as const,
          ts: 1,
          remote,
          pass: 1,
          trigger: "manual" as const,
          records,
          batches: 1,
          durationMs: 1,
          ackedVersionstamp: "1",
          ...lag,
        }
      : {
          type: "sync.failed" as const,
          ts: 1,
          remote,
          pass: 1,
          trigger: "manual" as const,
          error: new Error("x"),
          consecutiveFailures: 1,
          retryInMs: null,
          records,
          batches: 1,
          durationMs: 1,
          ...lag,
        },
  ),
);

export const poolEvents = (maxLength = 200) => fc.array(poolEvent, { maxLength });
