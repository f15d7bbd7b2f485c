import type { FoldCases } from "../events/FoldCases.js";
import type { PoolEventOf } from "../events/PoolEvent.js";
import type { SyncRemoteMetrics } from "../sync/SyncRemoteMetrics.js";

export type { SyncRemoteMetrics } from "../sync/SyncRemoteMetrics.js";

/** The sync events the fold counts (named through PoolEvent, wherever the sync events are declared). */
type CountedSyncEvent = PoolEventOf<"sync.completed" | "sync.failed" | "sync.resynced">;

/** The hybrid sync's totals (the `sync*` fields of the snapshot) and its per-remote numbers. */
export interface SyncTotals {
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

export function emptySyncTotals(): SyncTotals {
  return {
    syncPasses: 0,
    syncFailures: 0,
    syncRecordsShipped: 0,
    syncBatches: 0,
    syncResyncs: 0,
    syncRemotes: {},
  };
}

/** The fold's cases of the sync events it counts. */
export const SYNC_CASES: FoldCases<SyncTotals, CountedSyncEvent> = {
  "sync.completed": pass,
  "sync.failed": pass,
  "sync.resynced": (t) => {
    t.syncResyncs++;
  },
};

/**
 * A pass that ended, succeeded or failed: counted from its totals (not from `sync.batch`), so a failed
 * pass's partial work counts too.
 */
function pass(t: SyncTotals, e: PoolEventOf<"sync.completed" | "sync.failed">): void {
  const r = remote(t, e.remote);
  t.syncPasses++;
  r.passes++;
  t.syncRecordsShipped += e.records;
  r.recordsShipped += e.records;
  t.syncBatches += e.batches;
  r.batches += e.batches;
  r.lagRecords = e.lagRecords;
  r.lagMore = e.lagMore;
  r.lagMs = e.lagMs;
  if (e.type === "sync.completed") {
    r.consecutiveFailures = 0;
    r.lastSuccessAt = e.ts;
  } else {
    t.syncFailures++;
    r.failures++;
    r.consecutiveFailures = e.consecutiveFailures;
  }
}

export function copySyncRemotes(
  remotes: Record<string, SyncRemoteMetrics>,
): Record<string, SyncRemoteMetrics> {
  const out: Record<string, SyncRemoteMetrics> = {};
  for (const [url, r] of Object.entries(remotes)) out[url] = { ...r };
  return out;
}

function remote(t: SyncTotals, url: string): SyncRemoteMetrics {
  let r = t.syncRemotes[url];
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
    t.syncRemotes[url] = r;
  }
  return r;
}
