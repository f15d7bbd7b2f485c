/**
 * The per-session fairness cap: at most `capacity` of one agent's acquires go to the pool at once; the
 * rest wait here, FIFO. With every agent capped below the pool's size, one busy agent can never hold the
 * whole pool, and the pool's own FIFO queue then serves the agents' requests in turn.
 *
 * A slot is held from `enter()` until `leave()`, i.e. while the acquire is in the pool's queue and while
 * the lease is out: what counts against an agent is its demand on the pool, not only its leases.
 */

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
  /** Detaches the abort listener and the timer. */
  cleanup(): void;
}

export interface GateWaitOptions {
  /** Gives up waiting when it fires; the rejection is `onAbort(signal.reason)`. */
  signal?: AbortSignal;
  /** Gives up waiting after this long; the rejection is `onTimeout()`. */
  timeoutMs?: number;
  onAbort(reason: unknown): Error;
  onTimeout(): Error;
}

export class LeaseGate {
  readonly capacity: number;
  #inUse = 0;
  readonly #queue: Waiter[] = [];

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  /** Slots held (acquires in the pool's queue plus leases out). */
  get inUse(): number {
    return this.#inUse;
  }

  /** Acquires waiting here for a slot. */
  get waiting(): number {
    return this.#queue.length;
  }

  /** Resolves once a slot is held by the caller; it must `leave()` exactly once afterwards. */
  enter(options: GateWaitOptions): Promise<void> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(options.onAbort(signal.reason));
    // FIFO: a free slot goes to the queue's head first, so a newcomer cannot overtake a waiter.
    if (this.#inUse < this.capacity && this.#queue.length === 0) {
      this.#inUse++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const onAbort = () => this.#drop(waiter, options.onAbort(signal?.reason));
      const waiter: Waiter = {
        resolve,
        reject,
        cleanup: () => {
          if (timer !== undefined) clearTimeout(timer);
          signal?.removeEventListener("abort", onAbort);
        },
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      if (options.timeoutMs !== undefined && Number.isFinite(options.timeoutMs)) {
        timer = setTimeout(() => this.#drop(waiter, options.onTimeout()), Math.max(0, options.timeoutMs));
      }
      this.#queue.push(waiter);
    });
  }

  /** Gives a slot back; the longest waiter, if any, takes it over. */
  leave(): void {
    const next = this.#queue.shift();
    if (next) {
      next.cleanup();
      next.resolve(); // the slot passes on: inUse stays the same
    } else {
      this.#inUse = Math.max(0, this.#inUse - 1);
    }
  }

  /** Rejects every waiter with `error` (closing the session); slots already held are unaffected. */
  rejectAll(error: Error): void {
    for (const waiter of this.#queue.splice(0)) {
      waiter.cleanup();
      waiter.reject(error);
    }
  }

  #drop(waiter: Waiter, error: Error): void {
    const index = this.#queue.indexOf(waiter);
    if (index === -1) return;
    this.#queue.splice(index, 1);
    waiter.cleanup();
    waiter.reject(error);
  }
}
