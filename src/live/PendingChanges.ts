import type { LiveAction, LiveChange, LiveGap } from "./LiveNotification.js";

/** A change read from the feed, waiting to go out; or a gap to hand out in its place. */
export interface Pending {
  /** Its place in the order read (a change put before a later one of its record takes a place between). */
  seq: number;
  /** Its commit's versionstamp (of the change it stands for, for a gap). */
  vs: bigint;
  id: string;
  change: LiveChange;
  gap: LiveGap | undefined;
  /** Its notification came after it was read. */
  noted: boolean;
  /** It landed after a younger commit was read: its notification is not where its place says. */
  late: boolean;
  /** Date.now() when the read that found it began, and when it was queued. */
  readStartedAt: number;
  readAt: number;
  /** What the feed itself says it was (a feed with originals tells a create from an update). */
  known: LiveAction | undefined;
  /** The record as canonical JSON, once compared with a notification's. */
  json?: string;
}

/**
 * The changes waiting to go out, in order, and each record's among them: a queue with O(1) removal at
 * the head (changes go out from there), and insertion before a later change of the same record (a
 * commit that landed late keeps its record's order).
 */
export class PendingChanges {
  #items: Pending[] = [];
  #head = 0;
  #seq = 0;
  readonly #byRecord = new Map<string, Pending[]>();

  get size(): number {
    return this.#items.length - this.#head;
  }

  peek(): Pending | undefined {
    return this.#items[this.#head];
  }

  /** The pending items from the head on (for scans; do not keep). */
  at(offset: number): Pending | undefined {
    return this.#items[this.#head + offset];
  }

  of(id: string): readonly Pending[] | undefined {
    return this.#byRecord.get(id);
  }

  has(id: string): boolean {
    return this.#byRecord.has(id);
  }

  push(item: Omit<Pending, "seq">): Pending {
    const p = { ...item, seq: this.#seq++ };
    this.#items.push(p);
    if (!p.gap) this.#file(p, undefined);
    return p;
  }

  /** Puts `item` right before `later` (a pending change of the same record). */
  insertBefore(later: Pending, item: Omit<Pending, "seq">): Pending {
    const index = this.#items.indexOf(later, this.#head);
    const previous = this.#items[index - 1];
    const seq = index > this.#head && previous ? (previous.seq + later.seq) / 2 : later.seq - 0.5;
    const p = { ...item, seq };
    this.#items.splice(index, 0, p);
    this.#file(p, later);
    return p;
  }

  shift(): Pending | undefined {
    const p = this.#items[this.#head];
    if (!p) return undefined;
    this.#head++;
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head >= 1_024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    if (!p.gap) {
      const list = this.#byRecord.get(p.id);
      list?.shift();
      if (list?.length === 0) this.#byRecord.delete(p.id);
    }
    return p;
  }

  clear(): void {
    this.#items = [];
    this.#head = 0;
    this.#byRecord.clear();
  }

  #file(p: Pending, before: Pending | undefined): void {
    const list = this.#byRecord.get(p.id);
    if (!list) this.#byRecord.set(p.id, [p]);
    else if (!before) list.push(p);
    else list.splice(list.indexOf(before), 0, p);
  }
}
