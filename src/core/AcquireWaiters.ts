import type { AcquireFailed, PoolEvent } from "../events/PoolEvent.js";
import type { AcquireRequest } from "./acquireOptions.js";
import { Waiter, type WaiterExits, Waiters } from "./Waiters.js";

/** An acquire waiting for a connection. */
export class AcquireWaiter<L> extends Waiter<L> {
  constructor(
    resolve: (lease: L) => void,
    reject: (error: Error) => void,
    readonly requestId: number,
    readonly start: number,
    readonly request: AcquireRequest,
    readonly stack: string | undefined,
  ) {
    super(resolve, reject);
  }
}

/**
 * The pool's waiting acquires, oldest first, and the one place an acquire's failure becomes an
 * `acquire.failed` event: every refused or failed acquire, queued or not, is published here.
 */
export class AcquireWaiters<L> extends Waiters<AcquireWaiter<L>> {
  readonly #publish: (event: PoolEvent) => void;

  constructor(exits: WaiterExits<AcquireWaiter<L>>, publish: (event: PoolEvent) => void) {
    super(exits);
    this.#publish = publish;
  }

  /** Fails one waiter (timed out, aborted), unless it was served or failed already. */
  failOne(waiter: AcquireWaiter<L>, reason: AcquireFailed["reason"], error: Error): void {
    if (waiter.settled) return;
    this.published(waiter.requestId, reason, true, performance.now() - waiter.start, error);
    this.fail(waiter, error);
  }

  /** Fails every waiter, each with its own error (errors carry their own stack and counts). */
  failEvery(reason: AcquireFailed["reason"], errorFor: () => Error): void {
    const now = performance.now();
    this.failAll((waiter) => {
      const error = errorFor();
      this.published(waiter.requestId, reason, true, now - waiter.start, error);
      return error;
    });
  }

  /** Publishes an acquire's failure and returns its error (for a refusal before it queued, `queued` false). */
  published(
    requestId: number,
    reason: AcquireFailed["reason"],
    queued: boolean,
    waitMs: number,
    error: Error,
  ): Error {
    this.#publish({ type: "acquire.failed", ts: Date.now(), requestId, reason, queued, waitMs, error });
    return error;
  }
}
