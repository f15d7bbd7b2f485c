import type { FeedPage } from "./changeFeed.js";
import { versionstampAt } from "./versionstamp.js";

/**
 * How long after taking its versionstamp a commit may still become visible. A commit takes its
 * versionstamp just before it lands (the engine stamps the change-feed entry, then commits), so with
 * concurrent writers a read can return a commit while an older one is still landing. Measured on
 * 3.0.2 (embedded, 10 writers saturating 2 cores): commits landing up to 930 ms after their stamp.
 * Past this, a commit that is not in a read is taken never to come.
 */
export const LANDING_HORIZON_MS = 5_000;

/** Where a read starts: after `safe` (sees every late commit again) or after `tail` (only what is new). */
export type ReadFrom = "window" | "tail";

/**
 * Where a reader of a change feed stands: the one rule of both readers (live queries and the hybrid
 * sync). A reader whose cursor is "the last versionstamp read" skips for good a commit that becomes
 * visible after a younger one was read. So a reader keeps
 * - `safe`: every commit at or below it has been taken (or predates the reader);
 * - the versionstamps above `safe` already taken, so a commit read again is not taken twice;
 * - `tail`: the last versionstamp taken.
 * A window read (from `safe`) finds every commit that landed late; a tail read (from `tail`) costs only
 * what is new. Only a window read moves `safe`: to `LANDING_HORIZON_MS` behind the engine's clock at the
 * read (what is older has landed), never past the last commit of a read cut off by its limit.
 */
export class FeedCursor {
  #safe: bigint;
  #tail: bigint;
  readonly #taken = new Set<bigint>();
  readonly #horizonMs: number;

  constructor(safe: bigint, horizonMs = LANDING_HORIZON_MS) {
    this.#safe = safe;
    this.#tail = safe;
    this.#horizonMs = horizonMs;
  }

  /** Every commit at or below this was taken. */
  get safe(): bigint {
    return this.#safe;
  }

  /** The newest versionstamp taken. */
  get tail(): bigint {
    return this.#tail;
  }

  /** Commits above `safe` already taken. */
  get takenAbove(): number {
    return this.#taken.size;
  }

  /** The first versionstamp a read of this kind asks for (`SINCE` is inclusive). */
  since(from: ReadFrom): bigint {
    return (from === "window" ? this.#safe : this.#tail) + 1n;
  }

  /** Is this commit still to be taken? */
  isFresh(versionstamp: bigint): boolean {
    return versionstamp > this.#safe && !this.#taken.has(versionstamp);
  }

  /** A read from `since` moves `safe`, so it must read the store's clock too (`FeedRead.now`). */
  needsClock(since: bigint): boolean {
    return since === this.#safe + 1n;
  }

  /**
   * Takes what a read returned: `since` is where it started, `read` its answer. The caller has handed on
   * (or will hand on) every fresh entry of it.
   */
  take(since: bigint, read: FeedPage): void {
    const windowRead = this.needsClock(since);
    for (const entry of read.entries) {
      if (entry.versionstamp > this.#safe) this.#taken.add(entry.versionstamp);
      if (entry.versionstamp > this.#tail) this.#tail = entry.versionstamp;
    }
    if (!windowRead) return;
    // A reader that skipped the clock on a read that needed it would never move `safe` again.
    if (read.now === undefined) throw new TypeError("a read from the safe point must read the clock");
    const landed = versionstampAt(read.now - this.#horizonMs);
    const last = read.entries[read.entries.length - 1]?.versionstamp;
    this.advance(read.truncated && last !== undefined && last < landed ? last : landed);
  }

  /** Moves `safe` forward to `to` (never back), forgetting what was taken at or below it. */
  advance(to: bigint): void {
    if (to <= this.#safe) return;
    this.#safe = to;
    if (this.#tail < to) this.#tail = to;
    for (const versionstamp of this.#taken) if (versionstamp <= to) this.#taken.delete(versionstamp);
  }

  /** Starts again at `safe` (after a gap, or a snapshot that holds everything up to it). */
  restartAt(safe: bigint): void {
    this.#safe = safe;
    this.#tail = safe;
    this.#taken.clear();
  }
}
