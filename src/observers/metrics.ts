import type { PoolEvent } from "../events/PoolEvent.js";

/** Upper bounds (ms) of the acquire-wait histogram buckets; the last bucket is +Inf. */
export const ACQUIRE_WAIT_BUCKETS_MS = [
  0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1_000, 5_000,
];

export interface Histogram {
  /** Bucket upper bounds in ms; `counts` has one more entry, for +Inf. */
  bounds: readonly number[];
  /** Observations per bucket (not cumulative). */
  counts: number[];
  count: number;
  sumMs: number;
  maxMs: number;
}

/** One remote's sync, as the fold of its `sync.*` events sees it (hybrid mode). */
export interface SyncRemoteMetrics {
  /** Record changes applied on the remote (resync copies included), and the batches they came in. */
  recordsShipped: number;
  batches: number;
  /** Passes finished, succeeded or failed. */
  passes: number;
  failures: number;
  consecutiveFailures: number;
  /** Epoch ms of the last successful pass; null before one. */
  lastSuccessAt: number | null;
  /** Local changes not yet on the remote at the last pass's end (a lower bound when `lagMore`). */
  lagRecords: number;
  lagMore: boolean;
  /** Age of the oldest of them, ms. */
  lagMs: number;
}

/** Everything the pool counts. Every field is a fold over `events$`: replaying the events rebuilds it. */
export interface MetricsSnapshot {
  // --- the seed's counters ---
  connectionsCreated: number;
  connectionsReused: number;
  acquisitions: number;
  retries: number;
  successes: number;
  errors: number;
  healthChecksPassed: number;
  healthChecksFailed: number;
  // --- more counters ---
  acquireTimeouts: number;
  acquireAborts: number;
  /** Acquires refused: pool saturated (maxWaitingClients), closed, or no endpoint available. */
  acquireRejections: number;
  releases: number;
  connectionsClosed: number;
  connectFailures: number;
  resets: number;
  resetFailures: number;
  leaksDetected: number;
  breakerOpens: number;
  /** Hedged reads that started a second attempt. */
  hedges: number;
  // --- gauges ---
  /** Open connections (leased, idle, being checked, or closing). */
  size: number;
  /** Connections still connecting. */
  pending: number;
  inUse: number;
  /** Open connections neither leased, nor being checked or reset, nor closing. */
  idle: number;
  waiting: number;
  /** Pings and resets in flight. */
  checking: number;
  /** Connections closing. */
  retiring: number;
  // --- distributions ---
  acquireWaitMs: Histogram;
  // --- hybrid sync (zero and empty in the other modes) ---
  /** Sync passes finished over all remotes, and those that failed. */
  syncPasses: number;
  syncFailures: number;
  /** Record changes applied on remotes, and the batches (transactions) they came in. */
  syncRecordsShipped: number;
  syncBatches: number;
  /** Remotes re-synced from a snapshot (first contact, or behind the change feed's retention). */
  syncResyncs: number;
  /** Per remote URL. */
  syncRemotes: Record<string, SyncRemoteMetrics>;
}

export function emptyMetrics(): MetricsSnapshot {
  return {
    connectionsCreated: 0,
    connectionsReused: 0,
    acquisitions: 0,
    retries: 0,
    successes: 0,
    errors: 0,
    healthChecksPassed: 0,
    healthChecksFailed: 0,
    acquireTimeouts: 0,
    acquireAborts: 0,
    acquireRejections: 0,
    releases: 0,
    connectionsClosed: 0,
    connectFailures: 0,
    resets: 0,
    resetFailures: 0,
    leaksDetected: 0,
    breakerOpens: 0,
    hedges: 0,
    size: 0,
    pending: 0,
    inUse: 0,
    idle: 0,
    waiting: 0,
    checking: 0,
    retiring: 0,
    acquireWaitMs: {
      bounds: ACQUIRE_WAIT_BUCKETS_MS,
      counts: new Array(ACQUIRE_WAIT_BUCKETS_MS.length + 1).fill(0),
      count: 0,
      sumMs: 0,
      maxMs: 0,
    },
    syncPasses: 0,
    syncFailures: 0,
    syncRecordsShipped: 0,
    syncBatches: 0,
    syncResyncs: 0,
    syncRemotes: {},
  };
}

/**
 * Folds one event into the metrics, in place (the hot path allocates nothing). Pure in the sense
 * that matters: the result depends only on the events, so `events.reduce(applyEvent)` over a recorded
 * stream equals the live snapshot.
 */
export function applyEvent(m: MetricsSnapshot, e: PoolEvent): MetricsSnapshot {
  switch (e.type) {
    case "lease.acquired":
      m.acquisitions++;
      if (e.reused) m.connectionsReused++;
      if (e.queued) m.waiting--;
      m.inUse++;
      observe(m.acquireWaitMs, e.waitMs);
      break;
    case "lease.released":
      m.releases++;
      m.inUse--;
      break;
    case "acquire.queued":
      m.waiting++;
      break;
    case "acquire.failed":
      if (e.queued) m.waiting--;
      if (e.reason === "timeout") m.acquireTimeouts++;
      else if (e.reason === "aborted") m.acquireAborts++;
      else m.acquireRejections++;
      break;
    case "lease.leaked":
      m.leaksDetected++;
      break;
    case "connection.connecting":
      m.pending++;
      break;
    case "connection.opened":
      m.pending--;
      m.size++;
      m.connectionsCreated++;
      break;
    case "connection.connectFailed":
      m.pending--;
      m.connectFailures++;
      break;
    case "connection.validating":
    case "connection.resetting":
      m.checking++;
      break;
    case "connection.validated":
      m.checking--;
      if (e.ok) m.healthChecksPassed++;
      else if (!e.cancelled) m.healthChecksFailed++;
      break;
    case "connection.reset":
      m.checking--;
      if (e.ok) m.resets++;
      else if (!e.cancelled) m.resetFailures++;
      break;
    case "connection.retiring":
      m.retiring++;
      break;
    case "connection.closed":
      if (e.wasOpen) {
        m.size--;
        m.retiring--;
        m.connectionsClosed++;
      } else {
        m.pending--;
      }
      break;
    case "operation.succeeded":
      m.successes++;
      break;
    case "operation.failed":
      m.errors++;
      break;
    case "operation.retried":
      m.retries++;
      break;
    case "operation.hedged":
      m.hedges++;
      break;
    case "breaker.transition":
      if (e.to === "open") m.breakerOpens++;
      break;
    case "sync.completed":
    case "sync.failed": {
      // Counted from each pass's totals (not from sync.batch), so a failed pass's partial work counts too.
      const r = syncRemote(m, e.remote);
      m.syncPasses++;
      r.passes++;
      m.syncRecordsShipped += e.records;
      r.recordsShipped += e.records;
      m.syncBatches += e.batches;
      r.batches += e.batches;
      r.lagRecords = e.lagRecords;
      r.lagMore = e.lagMore;
      r.lagMs = e.lagMs;
      if (e.type === "sync.completed") {
        r.consecutiveFailures = 0;
        r.lastSuccessAt = e.ts;
      } else {
        m.syncFailures++;
        r.failures++;
        r.consecutiveFailures = e.consecutiveFailures;
      }
      return m;
    }
    case "sync.resynced":
      m.syncResyncs++;
      return m;
    default:
      return m;
  }
  m.idle = m.size - m.inUse - m.checking - m.retiring;
  return m;
}

function observe(h: Histogram, ms: number): void {
  const bounds = h.bounds;
  let i = 0;
  while (i < bounds.length && ms > bounds[i]!) i++;
  h.counts[i]!++;
  h.count++;
  h.sumMs += ms;
  if (ms > h.maxMs) h.maxMs = ms;
}

/** Folds a recorded event stream from scratch. */
export function foldMetrics(events: Iterable<PoolEvent>): MetricsSnapshot {
  const m = emptyMetrics();
  for (const e of events) applyEvent(m, e);
  return m;
}

function syncRemote(m: MetricsSnapshot, remote: string): SyncRemoteMetrics {
  let r = m.syncRemotes[remote];
  if (!r) {
    r = {
      recordsShipped: 0,
      batches: 0,
      passes: 0,
      failures: 0,
      consecutiveFailures: 0,
      lastSuccessAt: null,
      lagRecords: 0,
      lagMore: false,
      lagMs: 0,
    };
    m.syncRemotes[remote] = r;
  }
  return r;
}

/** A deep copy, so a snapshot handed out never changes under the caller. */
export function copyMetrics(m: MetricsSnapshot): MetricsSnapshot {
  const syncRemotes: Record<string, SyncRemoteMetrics> = {};
  for (const [remote, r] of Object.entries(m.syncRemotes)) syncRemotes[remote] = { ...r };
  return { ...m, acquireWaitMs: { ...m.acquireWaitMs, counts: [...m.acquireWaitMs.counts] }, syncRemotes };
}

/** The seed's reuse ratio: reused / (created + reused). */
export function reuseRatio(m: MetricsSnapshot): number {
  const total = m.connectionsCreated + m.connectionsReused;
  return total === 0 ? 0 : m.connectionsReused / total;
}

/** Approximate quantile (0..1) of a histogram: the upper bound of the bucket that holds it. */
export function histogramQuantile(h: Histogram, q: number): number {
  if (h.count === 0) return 0;
  const rank = q * h.count;
  let seen = 0;
  for (let i = 0; i < h.counts.length; i++) {
    seen += h.counts[i]!;
    if (seen >= rank) return i < h.bounds.length ? h.bounds[i]! : h.maxMs;
  }
  return h.maxMs;
}
