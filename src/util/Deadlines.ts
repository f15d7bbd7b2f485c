/** What a deadline is kept for: a request that is settled once it is served, failed or cancelled. */
export interface Expiring {
  settled: boolean;
  /** performance.now() at which it expires; set by `Deadlines.add`. */
  deadline: number;
  /** The timer group it is in; set by `Deadlines.add`, cleared when it leaves. */
  group: { left(): void } | undefined;
}

/**
 * The deadlines of waiting requests, with one timer per distinct timeout instead of one per request.
 * Requests queued with the same timeout expire in the order they arrived, so a group needs a timer
 * only for its oldest live member. A timer per request cost an allocation and a timer-list insert and
 * removal on every queued acquire: most of a queued hand-off's cost (bench: handoff).
 *
 * Timers are armed only while a group has live members, so nothing here keeps the process alive once
 * the last waiter is served or failed.
 */
export class Deadlines<T extends Expiring> {
  readonly #groups = new Map<number, DeadlineGroup<T>>();
  readonly #onExpire: (item: T) => void;
  readonly #unref: boolean;

  /**
   * `onExpire(item)` runs when an item's deadline passes while it is still live; it should settle it.
   * `unref`: the timers do not keep the process alive (a call's deadline: what the call runs on does,
   * while it runs).
   */
  constructor(onExpire: (item: T) => void, options: { unref?: boolean } = {}) {
    this.#onExpire = onExpire;
    this.#unref = options.unref ?? false;
  }

  /** Starts `item`'s deadline: `timeoutMs` from `now` (performance.now()). */
  add(item: T, timeoutMs: number, now: number): void {
    let group = this.#groups.get(timeoutMs);
    if (!group) {
      group = new DeadlineGroup<T>(this.#onExpire, this.#unref);
      this.#groups.set(timeoutMs, group);
    }
    item.deadline = now + timeoutMs;
    item.group = group;
    group.push(item);
  }

  /** The item left its queue (served, failed, aborted): it no longer counts toward its group's timer. */
  remove(item: T): void {
    const group = item.group;
    if (!group) return;
    item.group = undefined;
    group.left();
  }
}

/** Requests sharing one timeout, oldest first; settled ones are skipped lazily. */
class DeadlineGroup<T extends Expiring> {
  #items: T[] = [];
  #head = 0;
  #live = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #onExpire: (item: T) => void;
  readonly #unref: boolean;

  constructor(onExpire: (item: T) => void, unref: boolean) {
    this.#onExpire = onExpire;
    this.#unref = unref;
  }

  push(item: T): void {
    // Served requests leave from the front (FIFO), so skipping them here keeps the array short.
    this.#skipSettled();
    this.#items.push(item);
    this.#live++;
    if (this.#timer === undefined) this.#arm(item.deadline - performance.now());
  }

  left(): void {
    if (--this.#live > 0) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#items = [];
    this.#head = 0;
  }

  #skipSettled(): void {
    const items = this.#items;
    while (this.#head < items.length && items[this.#head]!.settled) this.#head++;
    if (this.#head > 1024 && this.#head * 2 > items.length) {
      this.#items = items.slice(this.#head);
      this.#head = 0;
    } else if (items.length - this.#head > 4 * this.#live + 1024) {
      // Settled out of order behind a live oldest one (a slow call among many fast ones): dropped in
      // one pass, so the array stays within a few times the live items (each pass is paid for by the
      // settled items it drops).
      this.#items = items.slice(this.#head).filter((item) => !item.settled);
      this.#head = 0;
    }
  }

  #arm(delayMs: number): void {
    // An expiry's subscriber may queue a new request (and arm) while #fire runs: one timer at a time.
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    // At least 1 ms, rounded up: a timer may fire up to a millisecond early by performance.now().
    this.#timer = setTimeout(this.#fire, Math.max(1, Math.ceil(delayMs)));
    if (this.#unref) this.#timer.unref();
  }

  readonly #fire = (): void => {
    this.#timer = undefined;
    const now = performance.now();
    for (;;) {
      this.#skipSettled();
      const oldest = this.#items[this.#head];
      if (!oldest) return;
      if (oldest.deadline > now) {
        this.#arm(oldest.deadline - now);
        return;
      }
      this.#head++;
      this.#onExpire(oldest);
    }
  };
}
