import type { SurrealSession } from "surrealdb";
import { type FeedPage, readFeed } from "../surreal/feed/changeFeed.js";
import { FeedCursor, LANDING_HORIZON_MS, type ReadFrom } from "../surreal/feed/FeedCursor.js";
import type { TableFeed } from "../surreal/feed/feedOf.js";
import { timeOfVersionstamp } from "../surreal/feed/versionstamp.js";
import { canonical } from "./canonical.js";
import type { LiveAction, LiveChange, LiveNotification } from "./LiveNotification.js";
import { type Pending, PendingChanges } from "./PendingChanges.js";

/**
 * A change waiting for its notification goes out without it once the subscription's notifications have
 * been quiet this long (the engine sends none for writes inside a transaction, and drops some).
 */
export const STALL_MS = 1_000;
/**
 * ... or once changes this far after it (plus four times the reordering seen lately) had theirs.
 * Notifications come in about the order of the feed, displaced by more the more writers there are
 * (measured on 3.0.2 with the raw SDK: up to 4 places with 1 writer, 36 with 10, 317 with 50), and
 * late: 1.4 s at the median with 10 writers. Counting places instead of waiting a fixed time keeps a
 * subscription whose notifications lag under load from giving up on ones that are merely late.
 */
export const OVERTAKEN_AFTER = 32;
/** Notifications over which the reordering is measured (the larger of this window and the last). */
const REORDER_WINDOW = 1_024;
/** Records whose last change is remembered, so later changes of them need no notification. */
const KNOWN_RECORDS = 10_000;
const FEED_PAGE = 1_000;
/**
 * A window read costs every change of the landing horizon again, so it runs this often, not on every
 * notification: a commit that lands late goes out at most this much after it landed.
 */
const WINDOW_EVERY_MS = LANDING_HORIZON_MS / 2;

/** One read of the feed: its pages in order, each with where it started. Nothing is taken yet. */
export interface FeedBatch {
  epoch: number;
  from: ReadFrom;
  /** Date.now() when the read began: a notification older than that has its change in this read. */
  startedAt: number;
  pages: { since: bigint; read: FeedPage }[];
}

/** A pending write's record as canonical JSON (worked out once, when first compared). */
function recordJson(p: Pending): string {
  p.json ??= canonical(p.change.record);
  return p.json;
}

/** A notification not yet matched to its change. */
interface Note {
  action: LiveAction;
  record: unknown;
  at: number;
}

/**
 * Commit order for a table with a change feed. SurrealDB 3.0.2 does not promise that live notifications
 * arrive in commit order, drops some under load, and sends none for writes in a transaction. So on such
 * a table the live query only says THAT something changed: what changed is read from the feed, by the
 * rule of `FeedCursor` (a commit that lands late is still read, once), and handed out in the order read,
 * each record's changes in commit order. After a reconnect the same read is the back-fill: nothing twice,
 * nothing skipped. A commit that lands after a later change of its record went out cannot go out in
 * order any more: a `gap` covering it goes out instead.
 *
 * The action of a change (the feed says "written" or "deleted") comes from, in order: the feed itself
 * when it keeps originals; the record's previous change in this subscription (after a write: an update,
 * after a delete: a create); its notification. A change whose action only its notification can give
 * waits for it, until notifications have been quiet `STALL_MS` or changes far enough after it had
 * theirs; then it goes out as an `update` marked `backfilled`. A change whose record's create was
 * notified but not yet read (it landed late) waits for the window read that finds the create.
 */
export class FeedOrder {
  readonly table: string;
  readonly retentionMs: number;
  readonly #originals: boolean;
  readonly #cursor: FeedCursor;
  /** Bumped by every accepted read and every restart: a read begun before is refused whole. */
  #epoch = 0;
  readonly #pending = new PendingChanges();
  /** Notifications not yet matched to their change, by record. */
  readonly #notes = new Map<string, Note[]>();
  /** Each record's last change gone out ("written" or "deleted"), most recent last; bounded. */
  readonly #last = new Map<string, "written" | "deleted">();
  /** Each record's newest versionstamp taken, while above the cursor's safe point. */
  readonly #newest = new Map<string, bigint>();
  #lastNoteAt = Number.NEGATIVE_INFINITY;
  /** Date.now() when the last window read began. */
  #windowAt = Number.NEGATIVE_INFINITY;
  /** The furthest place in the order read whose notification came. */
  #notedSeq = -1;
  /** How far behind `#notedSeq` a notification came, at most, in this window and the last. */
  readonly #reorder = { now: 0, before: 0, notes: 0 };

  constructor(table: string, feed: TableFeed, startVersionstamp: bigint) {
    this.table = table;
    this.retentionMs = feed.retentionMs;
    this.#originals = feed.originals;
    this.#cursor = new FeedCursor(startVersionstamp - 1n);
  }

  /** A live notification arrived. */
  noteLive(change: LiveChange): void {
    const now = Date.now();
    this.#lastNoteAt = now;
    const id = String(change.id);
    this.#place(id);
    const note: Note = { action: change.kind, record: change.record, at: now };
    const list = this.#notes.get(id);
    if (list) list.push(note);
    else this.#notes.set(id, [note]);
  }

  /**
   * Reads the feed (page by page) from `safe` (a window read: finds commits that landed late) or from
   * the last commit taken. Changes nothing: `accept` what it returns.
   */
  async read(db: SurrealSession, from: ReadFrom): Promise<FeedBatch> {
    const batch: FeedBatch = { epoch: this.#epoch, from, startedAt: Date.now(), pages: [] };
    let since = this.#cursor.since(from);
    for (;;) {
      const clock = this.#cursor.needsClock(since);
      const read = await readFeed(db, since, FEED_PAGE, this.table, clock);
      batch.pages.push({ since, read });
      const last = read.entries[read.entries.length - 1];
      if (!read.truncated || !last) return batch;
      since = last.versionstamp + 1n;
    }
  }

  /** Queues what a read found that was not taken before; false (nothing queued) when it was overtaken. */
  accept(batch: FeedBatch): boolean {
    if (batch.epoch !== this.#epoch) return false;
    this.#epoch++;
    const read = { startedAt: batch.startedAt, at: Date.now() };
    for (const { since, read: page } of batch.pages) {
      const tail = this.#cursor.tail;
      for (const entry of page.entries) {
        const vs = entry.versionstamp;
        if (!this.#cursor.isFresh(vs)) continue;
        for (const c of entry.changes) {
          const deleted = c.kind === "delete";
          const change: LiveChange = deleted
            ? { kind: "delete", id: c.id, record: undefined }
            : { kind: "update", id: c.record.id, record: c.record };
          const known = deleted ? "delete" : this.#originals ? (c.replaced ? "update" : "create") : undefined;
          this.#queue(change, vs, known, vs < tail, read);
        }
      }
      const safe = this.#cursor.safe;
      this.#cursor.take(since, page);
      if (this.#cursor.safe !== safe) this.#forgetNewestUpTo(this.#cursor.safe);
    }
    if (batch.from === "window") {
      this.#windowAt = batch.startedAt;
      this.#dropOrphans(batch.startedAt);
    }
    return true;
  }

  /** Is a window read due (see WINDOW_EVERY_MS)? */
  windowDue(now = Date.now()): boolean {
    return now - this.#windowAt >= WINDOW_EVERY_MS;
  }

  /**
   * What may go out now, in order (see the class comment); with `force` (a back-fill) all of it. Changes
   * that go out forced, or without their notification, are marked `backfilled`. `waitUntil`: when the
   * first change still held may go without its notification (Date.now() time), or undefined.
   * `readWindow`: the first change held waits for a commit of its record that landed late: a window
   * read is wanted now.
   */
  take(force: boolean): { changes: LiveNotification[]; waitUntil: number | undefined; readWindow: boolean } {
    const now = Date.now();
    const out: LiveNotification[] = [];
    let readWindow = false;
    for (let head = this.#pending.peek(); head; head = this.#pending.peek()) {
      if (head.gap) {
        this.#pending.shift();
        out.push(head.gap);
        continue;
      }
      if (!force && this.#lateCreateUnread(head)) {
        readWindow = true;
        break;
      }
      const action = this.#actionOf(head);
      if (action === undefined && !force && !this.#givenUp(head, now)) break;
      this.#pending.shift();
      const deleted = head.change.kind === "delete";
      this.#remember(head.id, deleted ? "deleted" : "written");
      const kind = action ?? (deleted ? "delete" : "update");
      const change = kind === head.change.kind ? head.change : { ...head.change, kind };
      out.push(force || action === undefined ? { ...change, backfilled: true } : change);
    }
    const held = this.#pending.peek();
    return {
      changes: out,
      waitUntil: held ? Math.max(held.readAt, this.#lastNoteAt) + STALL_MS : undefined,
      readWindow,
    };
  }

  /** Does the feed still hold everything not yet taken (its retention reaches back to `safe`)? */
  reachesBack(engineNowMs: number): boolean {
    return timeOfVersionstamp(this.#cursor.safe + 1n) >= engineNowMs - this.retentionMs;
  }

  /** After a gap: start again from `versionstamp`, forgetting everything held. */
  restartAt(versionstamp: bigint): void {
    this.#epoch++;
    this.#cursor.restartAt(versionstamp - 1n);
    this.#pending.clear();
    this.#notes.clear();
    this.#last.clear();
    this.#newest.clear();
  }

  /**
   * Queues a change; one whose commit is older than a change of its record already taken landed late:
   * it goes right before that change while it waits, or, when that one went out, a gap goes instead.
   */
  #queue(
    change: LiveChange,
    vs: bigint,
    known: LiveAction | undefined,
    late: boolean,
    read: { startedAt: number; at: number },
  ): void {
    const id = String(change.id);
    const item = {
      vs,
      id,
      change,
      gap: undefined,
      noted: false,
      late,
      readStartedAt: read.startedAt,
      readAt: read.at,
      known,
    };
    const newest = this.#newest.get(id);
    if (newest === undefined || newest < vs) {
      this.#newest.set(id, vs);
      this.#pending.push(item);
      return;
    }
    const later = this.#pending.of(id)?.find((p) => p.vs > vs);
    if (later) {
      this.#pending.insertBefore(later, item);
      return;
    }
    const from = timeOfVersionstamp(vs);
    const reason = `a commit of ${id} landed ${read.at - from} ms after its versionstamp, after a later change of the record went out`;
    this.#pending.push({ ...item, gap: { kind: "gap", from, to: read.at, reason } });
  }

  /** A notification of record `id` came: where in the order read it falls, and how far out of order. */
  #place(id: string): void {
    const p = this.#pending.of(id)?.find((q) => !q.noted);
    if (!p) return;
    p.noted = true;
    if (p.late) return;
    const r = this.#reorder;
    if (p.seq > this.#notedSeq) this.#notedSeq = p.seq;
    else r.now = Math.max(r.now, this.#notedSeq - p.seq);
    if (++r.notes >= REORDER_WINDOW) {
      r.before = r.now;
      r.now = 0;
      r.notes = 0;
    }
  }

  /**
   * What a change was, when anything says so yet. Takes the change's notification when it came (a later
   * change of the record would otherwise take it for its own).
   */
  #actionOf(p: Pending): LiveAction | undefined {
    const note = this.#takeNote(p);
    if (p.known) return p.known;
    const before = this.#last.get(p.id);
    if (before) return before === "deleted" ? "create" : "update";
    return note;
  }

  /** Takes the notification of this change: a delete's, or the write's that carries the record written. */
  #takeNote(p: Pending): LiveAction | undefined {
    const notes = this.#notes.get(p.id);
    if (!notes) return undefined;
    const index =
      p.change.kind === "delete"
        ? notes.findIndex((n) => n.action === "delete")
        : notes.findIndex((n) => n.action !== "delete" && canonical(n.record) === recordJson(p));
    if (index < 0) return undefined;
    const [note] = notes.splice(index, 1);
    if (notes.length === 0) this.#notes.delete(p.id);
    return note!.action;
  }

  /**
   * Is an earlier commit of this change's record still unread? A create notification came (since the
   * last window read began, so a commit it stands for is not behind the safe point) that no change of the
   * record read so far carries. The create landed late; going out now would put this change before it.
   */
  #lateCreateUnread(p: Pending): boolean {
    if (p.known === "create" || this.#last.has(p.id)) return false;
    const notes = this.#notes.get(p.id);
    if (!notes) return false;
    const value = p.change.kind === "delete" ? undefined : recordJson(p);
    return notes.some(
      (n) => n.action === "create" && n.at >= this.#windowAt && canonical(n.record) !== value,
    );
  }

  /** Stop waiting for this change's notification? */
  #givenUp(head: Pending, now: number): boolean {
    if (now - Math.max(head.readAt, this.#lastNoteAt) >= STALL_MS) return true;
    const reorder = Math.max(this.#reorder.now, this.#reorder.before);
    return this.#notedSeq - head.seq > OVERTAKEN_AFTER + 4 * reorder;
  }

  /** Remembers a record's last change, so its next one needs no notification. */
  #remember(id: string, last: "written" | "deleted"): void {
    this.#last.delete(id);
    this.#last.set(id, last);
    if (this.#last.size > KNOWN_RECORDS) this.#last.delete(this.#last.keys().next().value!);
  }

  /** A commit at or below the safe point is never read again: what it tells about order is not needed. */
  #forgetNewestUpTo(safe: bigint): void {
    for (const [id, vs] of this.#newest) if (vs <= safe) this.#newest.delete(id);
  }

  /**
   * After a window read: a notification that came before it began, for a record none of whose changes
   * is waiting, is for a change older than the subscription or gone out already. Forgotten.
   */
  #dropOrphans(readStartedAt: number): void {
    for (const [id, notes] of this.#notes) {
      if (this.#pending.has(id)) continue;
      while (notes.length > 0 && notes[0]!.at < readStartedAt) notes.shift();
      if (notes.length === 0) this.#notes.delete(id);
    }
  }
}
