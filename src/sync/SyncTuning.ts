import type { ResolvedConfig } from "../config/resolveConfig.js";
import { LANDING_HORIZON_MS } from "../surreal/feed/FeedCursor.js";

/** The sync's knobs. Derived from the configuration; tests may override them. */
export interface SyncTuning {
  /** Pause between passes (`syncIntervalMs`). */
  intervalMs: number;
  /** Change-feed commits read (and shipped as one batch) at a time. */
  batchLimit: number;
  /** Records per page when a remote is re-synced from a snapshot. */
  pageSize: number;
  /**
   * The acknowledged point stays this far behind the local clock. A commit takes its versionstamp
   * before it becomes visible, so a read can see a later commit while an earlier one is still in
   * flight; changes younger than this are shipped but not acknowledged, and checked again next pass
   * (applied ones are remembered, so nothing is shipped twice by one process).
   */
  horizonMs: number;
  /** Deadline of opening a remote connection. */
  connectTimeoutMs: number;
  /** Deadline of one request to a remote (a batch, a page, a ping). */
  requestTimeoutMs: number;
  /** Deadline of one request to the local store. */
  localTimeoutMs: number;
  /** Backoff of a failing remote: first cap, ceiling (also capped by intervalMs), growth. */
  initialBackoffMs: number;
  maxBackoffMs: number;
  multiplier: number;
}

/** Defaults from the configuration: the pool's connect timeout and retry policy bound the sync too. */
export function syncTuningOf(config: ResolvedConfig, overrides: Partial<SyncTuning> = {}): SyncTuning {
  const interval = config.mode.kind === "hybrid" ? config.mode.syncIntervalMs : 60_000;
  const { connectionTimeoutMs, connectTimeoutMs, retryPolicy } = config.pool;
  return {
    intervalMs: interval,
    batchLimit: 1_000,
    pageSize: 500,
    horizonMs: LANDING_HORIZON_MS,
    connectTimeoutMs,
    requestTimeoutMs: connectionTimeoutMs,
    localTimeoutMs: connectionTimeoutMs,
    initialBackoffMs: retryPolicy.initialBackoffMs,
    maxBackoffMs: retryPolicy.maxBackoffMs,
    multiplier: retryPolicy.multiplier,
    ...overrides,
  };
}
