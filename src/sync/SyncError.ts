import { isSurrealPoolError, SurrealPoolError } from "../errors/SurrealPoolError.js";

/** Where a sync pass failed. */
export type SyncStage =
  | "local" // reading the local store (change feed, snapshot, sync state)
  | "connect" // opening a connection to the remote
  | "apply" // applying a batch on the remote
  | "stopped"; // the sync loop was stopped (shutdown) before or during the pass

/**
 * A sync pass to one remote failed. Batches committed before the failure stay committed and
 * acknowledged; the rest stays queued in the local store and is retried with backoff.
 */
export class SyncError extends SurrealPoolError {
  readonly remote: string;
  readonly stage: SyncStage;
  /** Record changes applied on the remote before the failure, and the batches they came in. */
  records = 0;
  batches = 0;

  constructor(remote: string, stage: SyncStage, message: string, options?: { cause?: unknown }) {
    super("SYNC_FAILED", message, options);
    this.remote = remote;
    this.stage = stage;
  }
}

export function isSyncError(error: unknown): error is SyncError {
  return isSurrealPoolError(error) && error.code === "SYNC_FAILED";
}
