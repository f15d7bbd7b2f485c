import type { BreakerState, PoolEvent } from "../events/PoolEvent.js";
import { ACQUIRE_WAIT_BUCKETS_MS } from "./metrics.js";

/** Upper bounds (ms) of the lease-hold and operation-duration histograms; the last bucket is +Inf. */
export const LATENCY_BUCKETS_MS = [
  0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000,
];

/** A histogram as the fold keeps it: per-bucket counts (not cumulative) and the sum, in ms. */
export class Buckets {
  readonly counts: number[];
  sumMs = 0;
  count = 0;
  constructor(readonly bounds: readonly number[]) {
    this.counts = new Array(bounds.length + 1).fill(0);
  }
  observe(ms: number): void {
    let i = 0;
    while (i < this.bounds.length && ms > this.bounds[i]!) i++;
    this.counts[i]!++;
    this.sumMs += ms;
    this.count++;
  }
}

/** Everything counted for one endpoint. Operations that never got a connection count under "". */
export class EndpointTally {
  created = 0;
  reused = 0;
  closed = 0;
  connectFailures = 0;
  acquisitions = 0;
  releases = 0;
  healthPassed = 0;
  healthFailed = 0;
  resets = 0;
  resetFailures = 0;
  leaks = 0;
  breakerOpens = 0;
  succeeded = 0;
  failed = 0;
  retries = 0;
  hedges = 0;
  open = 0;
  pending = 0;
  inUse = 0;
  checking = 0;
  retiring = 0;
  breaker: BreakerState = "closed";
  readonly acquireWait = new Buckets(ACQUIRE_WAIT_BUCKETS_MS);
  readonly leaseHeld = new Buckets(LATENCY_BUCKETS_MS);
  readonly operations = new Buckets(LATENCY_BUCKETS_MS);
}

/**
 * The numbers behind the Prometheus metrics: `applyEvent` of metrics.ts again, but per endpoint, with
 * the lease-hold and operation-duration histograms the snapshot does not keep. Plain numbers only, so
 * folding an event costs a few increments and allocates nothing after an endpoint's first event.
 */
export class PrometheusFold {
  readonly endpoints = new Map<string, EndpointTally>();
  readonly acquireFailures = new Map<string, number>();
  readonly events = new Map<string, number>();
  waiting = 0;
  sessions = 0;

  #tally(endpoint: string | undefined): EndpointTally {
    const key = endpoint ?? "";
    let t = this.endpoints.get(key);
    if (!t) {
      t = new EndpointTally();
      this.endpoints.set(key, t);
    }
    return t;
  }

  /** Mirrors `applyEvent` in metrics.ts, per endpoint, so the sums equal the snapshot's numbers. */
  apply(e: PoolEvent): void {
    this.events.set(e.type, (this.events.get(e.type) ?? 0) + 1);
    switch (e.type) {
      case "lease.acquired": {
        const t = this.#tally(e.endpoint);
        t.acquisitions++;
        if (e.reused) t.reused++;
        if (e.queued) this.waiting--;
        t.inUse++;
        t.acquireWait.observe(e.waitMs);
        break;
      }
      case "lease.released": {
        const t = this.#tally(e.endpoint);
        t.releases++;
        t.inUse--;
        t.leaseHeld.observe(e.heldMs);
        break;
      }
      case "acquire.queued":
        this.waiting++;
        break;
      case "acquire.failed":
        if (e.queued) this.waiting--;
        this.acquireFailures.set(e.reason, (this.acquireFailures.get(e.reason) ?? 0) + 1);
        break;
      case "lease.leaked":
        this.#tally(e.endpoint).leaks++;
        break;
      case "connection.connecting":
        this.#tally(e.endpoint).pending++;
        break;
      case "connection.opened": {
        const t = this.#tally(e.endpoint);
        t.pending--;
        t.open++;
        t.created++;
        break;
      }
      case "connection.connectFailed": {
        const t = this.#tally(e.endpoint);
        t.pending--;
        t.connectFailures++;
        break;
      }
      case "connection.validating":
      case "connection.resetting":
        this.#tally(e.endpoint).checking++;
        break;
      case "connection.validated": {
        const t = this.#tally(e.endpoint);
        t.checking--;
        if (e.ok) t.healthPassed++;
        else if (!e.cancelled) t.healthFailed++;
        break;
      }
      case "connection.reset": {
        const t = this.#tally(e.endpoint);
        t.checking--;
        if (e.ok) t.resets++;
        else if (!e.cancelled) t.resetFailures++;
        break;
      }
      case "connection.retiring":
        this.#tally(e.endpoint).retiring++;
        break;
      case "connection.closed": {
        const t = this.#tally(e.endpoint);
        if (e.wasOpen) {
          t.open--;
          t.retiring--;
          t.closed++;
        } else t.pending--;
        break;
      }
      case "operation.succeeded": {
        const t = this.#tally(e.endpoint);
        t.succeeded++;
        t.operations.observe(e.durationMs);
        break;
      }
      case "operation.failed": {
        const t = this.#tally(e.endpoint);
        t.failed++;
        t.operations.observe(e.durationMs);
        break;
      }
      case "operation.retried":
        this.#tally(e.endpoint).retries++;
        break;
      case "operation.hedged":
        this.#tally(e.endpoint).hedges++;
        break;
      case "breaker.transition": {
        const t = this.#tally(e.endpoint);
        t.breaker = e.to;
        if (e.to === "open") t.breakerOpens++;
        break;
      }
      case "session.created":
        this.sessions++;
        break;
      case "session.closed":
        this.sessions--;
        break;
      case "session.failed":
        // Failing while creating means it never counted as a session.
        if (e.phase === "closing") this.sessions--;
        break;
      default:
        break;
    }
  }
}
