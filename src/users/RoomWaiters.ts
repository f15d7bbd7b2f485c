import { MAX_TIMER_MS } from "../util/arguments.js";

/**
 * Calls waiting for a place under a bound, first come first served, each until its deadline. Who gets
 * a place is `take`'s to decide (it may make room by evicting); this only keeps the order and the timers.
 */
export class RoomWaiters {
  readonly #waiting: Array<{ grant(error?: Error): void }> = [];
  /** `offer` is running. */
  #offering = false;

  get length(): number {
    return this.#waiting.length;
  }

  /** Waits in line; rejects with `onTimeout()` after `timeoutMs` unless granted first. */
  wait(timeoutMs: number, onTimeout: () => Error): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        grant: (error?: Error) => {
          clearTimeout(timer);
          if (error) reject(error);
          else resolve();
        },
      };
      const timer = setTimeout(
        () => {
          const at = this.#waiting.indexOf(waiter);
          if (at >= 0) this.#waiting.splice(at, 1);
          reject(onTimeout());
        },
        Math.min(timeoutMs, MAX_TIMER_MS),
      );
      this.#waiting.push(waiter);
    });
  }

  /**
   * Grants the first waiters for as long as `take()` finds a place. Not reentered: making room may evict
   * a session, and that eviction's own offer would hand the place this loop took to another waiter.
   */
  offer(take: () => boolean): void {
    if (this.#offering) return;
    this.#offering = true;
    try {
      while (this.#waiting.length > 0 && take()) this.#waiting.shift()!.grant();
    } finally {
      this.#offering = false;
    }
  }

  /** Every waiter fails with `error` (shutdown). */
  failAll(error: Error): void {
    for (const waiter of this.#waiting.splice(0)) waiter.grant(error);
  }
}
