/**
 * FIFO queue with O(1) push, shift and cancel. Cancelled entries are skipped lazily on shift, and the
 * backing array is compacted when the dead prefix grows, so an abort storm cannot make it leak.
 */
export class WaitQueue<T extends { settled: boolean }> {
  #items: (T | undefined)[] = [];
  #head = 0;
  #live = 0;

  get size(): number {
    return this.#live;
  }

  push(item: T): void {
    this.#items.push(item);
    this.#live++;
  }

  /** The oldest entry that is not settled, left in the queue. */
  peek(): T | undefined {
    while (this.#head < this.#items.length) {
      const item = this.#items[this.#head];
      if (item && !item.settled) return item;
      this.#items[this.#head++] = undefined;
    }
    return undefined;
  }

  /** Removes and returns the oldest entry that is not settled. */
  shift(): T | undefined {
    while (this.#head < this.#items.length) {
      const item = this.#items[this.#head];
      this.#items[this.#head++] = undefined;
      if (item && !item.settled) {
        this.#live--;
        this.#compact();
        return item;
      }
    }
    return undefined;
  }

  /** Marks an entry gone (aborted, timed out); the caller has already set `settled`. */
  cancelled(): void {
    this.#live--;
    this.#compact();
  }

  /** Removes and returns every live entry, oldest first. */
  drain(): T[] {
    const out: T[] = [];
    for (let item = this.shift(); item; item = this.shift()) out.push(item);
    return out;
  }

  #compact(): void {
    if (this.#live === 0) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
  }
}
