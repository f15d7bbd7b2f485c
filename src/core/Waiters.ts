import { Deadlines, type Expiring } from "../util/Deadlines.js";
import { WaitQueue } from "./WaitQueue.js";

/** A queued request; owners extend it with what they need to serve it. */
export class Waiter<T> implements Expiring {
  settled = false;
  deadline = 0;
  group: Expiring["group"] = undefined;
  signal: AbortSignal | undefined = undefined;
  onAbort: (() => void) | undefined = undefined;
  readonly resolve: (value: T) => void;
  readonly reject: (error: Error) => void;

  constructor(resolve: (value: T) => void, reject: (error: Error) => void) {
    this.resolve = resolve;
    this.reject = reject;
  }
}

/** What a queue does when one of its requests runs out of time or is aborted; either ends in `fail()`. */
export interface WaiterExits<W> {
  onTimeout(waiter: W): void;
  onAbort(waiter: W): void;
}

/**
 * Requests waiting for something, oldest first: a FIFO queue (O(1) push, shift and cancel), each
 * request with its own deadline (requests with the same timeout share a timer) and abort signal.
 * Serves the pool's acquires and each agent session's fairness gate. Arguments are validated by the
 * caller before a waiter is made: nothing here throws.
 */
export class Waiters<W extends Waiter<never> | Waiter<unknown>> {
  readonly #queue = new WaitQueue<W>();
  readonly #deadlines: Deadlines<W>;
  readonly #onAbort: (waiter: W) => void;

  constructor(exits: WaiterExits<W>) {
    this.#deadlines = new Deadlines<W>(exits.onTimeout);
    this.#onAbort = exits.onAbort;
  }

  get size(): number {
    return this.#queue.size;
  }

  /** Queues `waiter`, expiring `timeoutMs` after `now` (performance.now()) when given, or when `signal` aborts. */
  add(waiter: W, timeoutMs: number | undefined, signal: AbortSignal | undefined, now: number): void {
    if (timeoutMs !== undefined) this.#deadlines.add(waiter, timeoutMs, now);
    if (signal) {
      waiter.signal = signal;
      waiter.onAbort = () => this.#onAbort(waiter);
      signal.addEventListener("abort", waiter.onAbort, { once: true });
    }
    this.#queue.push(waiter);
  }

  /** The oldest waiter, left in the queue. */
  peek(): W | undefined {
    return this.#queue.peek();
  }

  /** Takes the oldest waiter out of the queue, its deadline and listener gone; the caller serves it. */
  shift(): W | undefined {
    const waiter = this.#queue.shift();
    if (waiter) this.#settle(waiter);
    return waiter;
  }

  /** Rejects a waiting request (timeout, abort, closing). False when it was already served or failed. */
  fail(waiter: W, error: Error): boolean {
    if (waiter.settled) return false;
    this.#settle(waiter);
    this.#queue.cancelled();
    waiter.reject(error);
    return true;
  }

  /** Rejects every waiting request, oldest first, each with `errorFor(waiter)`; returns them. */
  failAll(errorFor: (waiter: W) => Error): W[] {
    const failed = this.#queue.drain();
    for (const waiter of failed) {
      this.#settle(waiter);
      waiter.reject(errorFor(waiter));
    }
    return failed;
  }

  #settle(waiter: W): void {
    waiter.settled = true;
    this.#deadlines.remove(waiter);
    if (waiter.onAbort) waiter.signal?.removeEventListener("abort", waiter.onAbort);
  }
}
