import type { SurrealSession } from "surrealdb";
import { readChanges } from "../sync/changeFeed.js";
import { timeOfVersionstamp } from "../sync/versionstamp.js";
import { changeKey } from "./changeKey.js";
import type { LiveAction, LiveChange } from "./LiveNotification.js";

/** How long a change read from the feed may wait for its own live notification (to learn its action). */
export const STALL_MS = 1_000;
/** Live notifications not matched to a feed change within this are forgotten. */
const SEEN_MS = 10_000;
const FEED_PAGE = 1_000;

/** What one read found: the changes after `from`, up to `cursor`. */
export interface FeedBatch {
  from: bigint;
  cursor: bigint;
  items: FromFeed[];
}

export interface FromFeed {
  key: string;
  change: LiveChange;
  readAt: number;
}

/** One change as a feed read found it at `readAt` (Date.now() time), keyed to meet its notification. */
export function fromFeed(change: LiveChange, readAt: number): FromFeed {
  return { key: keyOf(change), change, readAt };
}

/**
 * Commit order for a table with a change feed. SurrealDB 3.0.2 does not promise that live notifications
 * arrive in commit order (the embedded engine was seen to deliver an update before the create that
 * committed first), and they carry no versionstamp. So on such a table the live query only says THAT
 * something changed: what changed is read from `SHOW CHANGES FOR TABLE .. SINCE cursor`, whole commits in
 * versionstamp order, and the cursor is the last versionstamp delivered. After a reconnect the same read
 * from the same cursor is the back-fill: nothing is delivered twice, nothing skipped. The notification of
 * each change still gives its action (the feed does not tell a create from an update): a change read
 * from the feed waits up to STALL_MS for it.
 */
export class FeedOrder {
  readonly table: string;
  readonly retentionMs: number;
  /** The last versionstamp read; the next read starts after it. */
  #cursor: bigint;
  readonly #pending: FromFeed[] = [];
  readonly #seen = new Map<string, { action: LiveAction; at: number }[]>();

  constructor(table: string, retentionMs: number, startVersionstamp: bigint) {
    this.table = table;
    this.retentionMs = retentionMs;
    this.#cursor = startVersionstamp - 1n;
  }

  /** A live notification arrived: remember its action for the feed change it stands for. */
  noteLive(change: LiveChange): void {
    const key = keyOf(change);
    const list = this.#seen.get(key);
    const entry = { action: change.kind, at: Date.now() };
    if (list) list.push(entry);
    else this.#seen.set(key, [entry]);
  }

  /**
   * Reads every commit after the cursor (page by page). Changes nothing: `accept` what it returns,
   * unless the read was overtaken (a read on a connection that was lost meanwhile is dropped whole).
   */
  async read(db: SurrealSession): Promise<FeedBatch> {
    const items: FromFeed[] = [];
    let cursor = this.#cursor;
    for (;;) {
      const read = await readChanges(db, cursor + 1n, FEED_PAGE, this.table);
      const now = Date.now();
      for (const entry of read.entries) {
        for (const c of entry.changes) {
          const change: LiveChange =
            c.kind === "update"
              ? { kind: "update", id: c.record.id, record: c.record }
              : { kind: "delete", id: c.id, record: undefined };
          items.push(fromFeed(change, now));
        }
        cursor = entry.versionstamp;
      }
      if (!read.truncated || read.entries.length === 0) return { from: this.#cursor, cursor, items };
    }
  }

  /** Queues a read's changes; false (and nothing queued) when the cursor moved since the read began. */
  accept(batch: FeedBatch): boolean {
    if (batch.from !== this.#cursor) return false;
    this.#pending.push(...batch.items);
    this.#cursor = batch.cursor;
    return true;
  }

  /**
   * The queued changes that may go out now, in commit order: each whose notification arrived (with its
   * action), and each that has waited STALL_MS for it; with `force` (a back-fill) the rest too. A change
   * that goes out without its notification is marked `backfilled`. `waitUntil`: when the first change
   * still held has waited long enough (Date.now() time), or undefined when none is held.
   */
  take(force: boolean): { changes: LiveChange[]; waitUntil: number | undefined } {
    const now = Date.now();
    const out: LiveChange[] = [];
    while (this.#pending.length > 0) {
      const head = this.#pending[0]!;
      const seen = this.#takeSeen(head.key);
      if (!seen && !force && now - head.readAt < STALL_MS) break;
      this.#pending.shift();
      if (seen) {
        out.push(head.change.kind === "delete" ? head.change : { ...head.change, kind: seen.action });
      } else {
        out.push({ ...head.change, backfilled: true });
      }
    }
    this.#prune(now);
    const held = this.#pending[0];
    return { changes: out, waitUntil: held ? held.readAt + STALL_MS : undefined };
  }

  /** Does the feed still hold everything after the cursor (its retention reaches back to it)? */
  reachesBack(engineNowMs: number): boolean {
    return timeOfVersionstamp(this.#cursor + 1n) >= engineNowMs - this.retentionMs;
  }

  /** After a gap: start again from `versionstamp`. */
  restartAt(versionstamp: bigint): void {
    this.#cursor = versionstamp - 1n;
    this.#pending.length = 0;
    this.#seen.clear();
  }

  #takeSeen(key: string): { action: LiveAction } | undefined {
    const list = this.#seen.get(key);
    if (!list) return undefined;
    const first = list.shift();
    if (list.length === 0) this.#seen.delete(key);
    return first;
  }

  #prune(now: number): void {
    for (const [key, list] of this.#seen) {
      while (list.length > 0 && now - list[0]!.at > SEEN_MS) list.shift();
      if (list.length === 0) this.#seen.delete(key);
    }
  }
}

function keyOf(change: LiveChange): string {
  const k = changeKey(change.id, change.kind === "delete" ? "delete" : "upsert", change.record);
  return `${k.id}\u0000${k.kind}\u0000${k.value}`;
}
