import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { PoolEvent } from "../../src/events/PoolEvent.js";
import { foldMetrics } from "../../src/observers/metrics.js";
import { type EndpointTally, PrometheusFold } from "../../src/observers/prometheusFold.js";

const endpoint = fc.constantFrom("ws://a:8000", "ws://b:8000", "mem://");
const ref = fc.record({ connectionId: fc.constantFrom("1", "2", "3"), endpoint, ts: fc.constant(1) });
const ms = fc.double({ min: 0, max: 20_000, noNaN: true });

/** Any event the metrics fold counts, with arbitrary endpoints and payloads (the fold is arithmetic). */
const event: fc.Arbitrary<PoolEvent> = fc.oneof(
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
  fc.tuple(fc.option(endpoint, { nil: undefined }), ms).map(([e, durationMs]) => ({
    type: "operation.succeeded" as const,
    ts: 1,
    attempts: 1,
    durationMs,
    endpoint: e,
  })),
  fc.tuple(fc.option(endpoint, { nil: undefined }), ms).map(([e, durationMs]) => ({
    type: "operation.failed" as const,
    ts: 1,
    attempts: 1,
    durationMs,
    error: new Error("x"),
    endpoint: e,
  })),
  fc.option(endpoint, { nil: undefined }).map((e) => ({
    type: "operation.retried" as const,
    ts: 1,
    attempt: 1,
    delayMs: 1,
    error: new Error("x"),
    endpoint: e,
  })),
  fc.tuple(endpoint, fc.constantFrom("closed", "open", "halfOpen" as const)).map(([e, to]) => ({
    type: "breaker.transition" as const,
    ts: 1,
    endpoint: e,
    from: "closed" as const,
    to,
    failures: 1,
  })),
);

const total = (fold: PrometheusFold, pick: (t: EndpointTally) => number) =>
  [...fold.endpoints.values()].reduce((n, t) => n + pick(t), 0);

describe("PrometheusFold: the numbers behind the Prometheus metrics", () => {
  it("sums over endpoints to what the metrics snapshot counts, for any event stream", () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 200 }), (events) => {
        const fold = new PrometheusFold();
        for (const e of events) fold.apply(e);
        const m = foldMetrics(events);
        expect(total(fold, (t) => t.acquisitions)).toBe(m.acquisitions);
        expect(total(fold, (t) => t.reused)).toBe(m.connectionsReused);
        expect(total(fold, (t) => t.releases)).toBe(m.releases);
        expect(total(fold, (t) => t.created)).toBe(m.connectionsCreated);
        expect(total(fold, (t) => t.closed)).toBe(m.connectionsClosed);
        expect(total(fold, (t) => t.connectFailures)).toBe(m.connectFailures);
        expect(total(fold, (t) => t.healthPassed)).toBe(m.healthChecksPassed);
        expect(total(fold, (t) => t.healthFailed)).toBe(m.healthChecksFailed);
        expect(total(fold, (t) => t.resets)).toBe(m.resets);
        expect(total(fold, (t) => t.resetFailures)).toBe(m.resetFailures);
        expect(total(fold, (t) => t.leaks)).toBe(m.leaksDetected);
        expect(total(fold, (t) => t.breakerOpens)).toBe(m.breakerOpens);
        expect(total(fold, (t) => t.succeeded)).toBe(m.successes);
        expect(total(fold, (t) => t.failed)).toBe(m.errors);
        expect(total(fold, (t) => t.retries)).toBe(m.retries);
        expect(total(fold, (t) => t.open)).toBe(m.size);
        expect(total(fold, (t) => t.pending)).toBe(m.pending);
        expect(total(fold, (t) => t.inUse)).toBe(m.inUse);
        expect(total(fold, (t) => t.open - t.inUse - t.checking - t.retiring)).toBe(m.idle);
        expect(fold.waiting).toBe(m.waiting);
        const failures = (reason: string) => fold.acquireFailures.get(reason) ?? 0;
        expect(failures("timeout")).toBe(m.acquireTimeouts);
        expect(failures("aborted")).toBe(m.acquireAborts);
        expect(failures("saturated") + failures("closed") + failures("unavailable")).toBe(
          m.acquireRejections,
        );
        // The acquire-wait histogram holds the same observations as the snapshot's, bucket by bucket.
        const waits = [...fold.endpoints.values()].map((t) => t.acquireWait);
        m.acquireWaitMs.counts.forEach((count, i) => {
          expect(waits.reduce((n, b) => n + b.counts[i]!, 0)).toBe(count);
        });
        expect(total(fold, (t) => t.leaseHeld.count)).toBe(m.releases);
        expect(total(fold, (t) => t.operations.count)).toBe(m.successes + m.errors);
        expect([...fold.events.values()].reduce((a, b) => a + b, 0)).toBe(events.length);
      }),
      { numRuns: 200 },
    );
  });
});
