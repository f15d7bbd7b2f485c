import type { SyncTrigger } from "../../machines/sync.machine.js";

/**
 * Hybrid mode's events on `events$`: every transition of a remote's sync machine (`sync.started`,
 * `.completed`, `.failed`, `.stopped`) and the progress inside a pass (`sync.batch`, `sync.resynced`).
 * Each carries what the metrics fold needs, so replaying them rebuilds the sync counters.
 */

interface SyncBase {
  /** Epoch milliseconds when the event happened. */
  ts: number;
  /** The remote's URL, as configured in `remoteSync`. */
  remote: string;
}

/** Where a remote stands after a pass (or a failed one). */
export interface SyncLag {
  /**
   * Local changes not yet on the remote, counted in the last read of the change feed. A lower bound
   * when `lagMore` is true (more were waiting than one read returns).
   */
  lagRecords: number;
  lagMore: boolean;
  /** Age of the oldest local change not yet on the remote, ms (0 when none is waiting). */
  lagMs: number;
}

export interface SyncStarted extends SyncBase {
  type: "sync.started";
  pass: number;
  trigger: SyncTrigger;
}

/** One batch applied on the remote in one transaction (upserts and deletes by record id). */
export interface SyncBatch extends SyncBase {
  type: "sync.batch";
  pass: number;
  /** Record changes applied (after keeping only the last change per record id within the batch). */
  records: number;
  upserts: number;
  deletes: number;
  /** Versionstamps of the first and last change-feed entry of the batch (decimal strings). */
  fromVersionstamp: string;
  toVersionstamp: string;
  durationMs: number;
}

/**
 * A remote was brought in line from a snapshot of the local tables rather than from the change feed:
 * `initial` (first contact: records that predate the change feed are copied, nothing is deleted) or
 * `expired` (its acknowledged point is older than the feed's retention: records are copied and the
 * remote's records that no longer exist locally are deleted).
 */
export interface SyncResynced extends SyncBase {
  type: "sync.resynced";
  pass: number;
  reason: "initial" | "expired";
  tables: number;
  records: number;
  deleted: number;
  durationMs: number;
}

export interface SyncCompleted extends SyncBase, SyncLag {
  type: "sync.completed";
  pass: number;
  trigger: SyncTrigger;
  /** Record changes applied in this pass (resync copies included). */
  records: number;
  batches: number;
  durationMs: number;
  /** The remote's acknowledged versionstamp after the pass (decimal string). */
  ackedVersionstamp: string;
}

export interface SyncFailed extends SyncBase, SyncLag {
  type: "sync.failed";
  pass: number;
  trigger: SyncTrigger;
  error: Error;
  /** Failed passes in a row, this one included. */
  consecutiveFailures: number;
  /** When the next attempt is due; null when another pass follows at once or the loop is stopping. */
  retryInMs: number | null;
  /** Record changes applied before the failure (batches already committed stay committed). */
  records: number;
  batches: number;
  durationMs: number;
}

export interface SyncStopped extends SyncBase {
  type: "sync.stopped";
}

export type SyncEvent = SyncStarted | SyncBatch | SyncResynced | SyncCompleted | SyncFailed | SyncStopped;
