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
