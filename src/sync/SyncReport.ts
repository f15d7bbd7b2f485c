import type { SyncStateValue } from "../../machines/sync.machine.js";
import type { SyncError } from "./SyncError.js";
import type { SyncRemoteMetrics } from "./SyncRemoteMetrics.js";

/** What one remote received in a `syncNow()` pass, or why it could not. */
export interface RemoteSyncResult {
  remote: string;
  /** True when the pass shipped everything that was waiting (the remote is caught up). */
  ok: boolean;
  /** Record changes applied on the remote (after keeping the last change per record id in a batch). */
  records: number;
  /** Transactions they were applied in. */
  batches: number;
  durationMs: number;
  /**
   * Why the remote could not be synced: `stage` says where (`connect`, `apply`, `local`, `stopped`),
   * the message why (unreachable, timed out, refused a batch).
   */
  error?: SyncError;
}

/** `syncNow()`'s answer: one entry per remote in `remoteSync`, in that order. */
export interface SyncReport {
  /** Every remote is caught up. */
  ok: boolean;
  remotes: RemoteSyncResult[];
}

/** A remote's sync as `healthStatus().sync.remotes` shows it: the metrics' figures and its live state. */
export interface RemoteSyncHealth extends SyncRemoteMetrics {
  remote: string;
  state: SyncStateValue;
  /** The last pass succeeded. */
  healthy: boolean;
  /** Every local change up to this versionstamp is on the remote (decimal string); null before the first pass. */
  ackedVersionstamp: string | null;
  lastError?: string;
}

export interface SyncHealth {
  /** Every remote's last pass succeeded. */
  healthy: boolean;
  intervalMs: number;
  remotes: RemoteSyncHealth[];
}

/** What a shutdown could not ship to a remote. */
export interface UnsyncedRemote {
  remote: string;
  /** Record changes still waiting (a lower bound when `more`). */
  records: number;
  more: boolean;
  /** Epoch ms of the oldest waiting change. */
  oldestChangeAt?: number;
  /** Why the final sync did not ship them. */
  reason: string;
  /**
   * True when the local store is on disk (`surrealkv://`, `ws://`): the next start ships them. False
   * for `mem://`: they are lost with the process.
   */
  resumable: boolean;
}
