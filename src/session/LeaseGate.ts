import { Waiter, Waiters } from "../core/Waiters.js";

/**
 * The per-session fairness cap: at most `capacity` of one agent's acquires go to the pool at once; the
 * rest wait here, FIFO. With every agent capped below the pool's size, one busy agent can never hold the
 * whole pool, and the pool's own FIFO queue then serves the agents' requests in turn.
 *
 * A slot is held from `enter()` until `leave()`, i.e. while the acquire is in the pool's queue and while
 * the lease is out: what counts against an agent is its demand on the pool, not only its leases. The
 * queue is the pool's own `Waiters` (deadline and abort signal per request).
 */

export interface GateWaitOptions {
  /** Gives up waiting when it fires; the rejection is `onAbort(signal.reason)`. Checked by the caller. */
  signal?: AbortSignal;
  /** Gives up waiting after this long; the rejection is `onTimeout()`. Checked by the caller. */
  timeoutMs?: number;
  onAbort(reason: unknown): Error;
  onTimeout(): Error;
}

class GateWaiter extends Waiter<void> {
  constructor(
    resolve: () => void,
    reject: (error: Error) => void,
    readonly options: GateWaitOptions,
  ) {
    super(resolve, reject);
  }
}

export class LeaseGate {
  readonly capacity: number;
  #inUse = 0;
  /** Made by the first acquire that has to wait: most agents never queue here, and an idle one holds none. */
  #queue: Waiters<GateWaiter> | undefined;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  /** Slots held (acquires in the pool's queue plus leases out). */
  get inUse(): number {
    return this.#inUse;
  }

  /** Acquires waiting here for a slot. */
  get waiting(): number {
    return this.#queue?.size ?? 0;
  }

  /**
   * Takes a free slot at once when there is one and nobody waits for it (the usual acquire: no promise,
   * no waiter); false otherwise, and nothing changed. The caller then waits with `enter()`.
   */
  tryEnter(): boolean {
    if (this.#inUse >= this.capacity || this.waiting > 0) return false;
    this.#inUse++;
    return true;
  }

  /** Resolves once a slot is held by the caller; it must `leave()` exactly once afterwards. */
  enter(options: GateWaitOptions): Promise<void> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(options.onAbort(signal.reason));
    // FIFO: a free slot goes to the queue's head first, so a newcomer cannot overtake a waiter.
    if (this.#inUse < this.capacity && this.waiting === 0) {
      this.#inUse++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter = new GateWaiter(resolve, reject, options);
      this.#waiters().add(waiter, options.timeoutMs, signal, performance.now());
    });
  }

  /** Gives a slot back; the longest waiter, if any, takes it over. */
  leave(): void {
    const next = this.#queue?.shift();
    if (next) {
      next.resolve(); // the slot passes on: inUse stays the same
    } else {
      this.#inUse = Math.max(0, this.#inUse - 1);
    }
  }

  /** Rejects every waiter with `error` (closing the session); slots already held are unaffected. */
  rejectAll(error: Error): void {
    this.#queue?.failAll(() => error);
  }

  #waiters(): Waiters<GateWaiter> {
    this.#queue ??= new Waiters<GateWaiter>({
      onTimeout: (waiter) => this.#queue!.fail(waiter, waiter.options.onTimeout()),
      onAbort: (waiter) => this.#queue!.fail(waiter, waiter.options.onAbort(waiter.signal?.reason)),
    });
    return this.#queue;
  }
}
