import { Waiter, Waiters } from "../core/Waiters.js";
import { MAX_TIMER_MS } from "../util/arguments.js";

class RoomWaiter extends Waiter<void> {
  constructor(
    resolve: () => void,
    reject: (error: Error) => void,
    readonly onTimeout: () => Error,
  ) {
    super(resolve, reject);
  }
}

/**
 * Calls waiting for a place under a bound, first come first served, each until its deadline: the
 * pool's own `Waiters` queue. Who gets a place is the caller's to decide (it may make room by
 * evicting); this keeps the order and the deadlines.
 */
export class RoomWaiters {
  readonly #queue: Waiters<RoomWaiter> = new Waiters<RoomWaiter>({
    onTimeout: (waiter) => this.#queue.fail(waiter, waiter.onTimeout()),
    onAbort: () => {}, // no signal: a call waits for room until its deadline
  });
  /** `offer` is running. */
  #offering = false;

  get length(): number {
    return this.#queue.size;
  }

  /** Waits in line; rejects with `onTimeout()` after `timeoutMs` unless granted first. */
  wait(timeoutMs: number, onTimeout: () => Error): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter = new RoomWaiter(resolve, reject, onTimeout);
      this.#queue.add(waiter, Math.min(timeoutMs, MAX_TIMER_MS), undefined, performance.now());
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
      while (this.#queue.size > 0 && take()) this.#queue.shift()!.resolve();
    } finally {
      this.#offering = false;
    }
  }

  /** Every waiter fails with `error` (shutdown). */
  failAll(error: Error): void {
    this.#queue.failAll(() => error);
  }
}
