const RESOLVED = Promise.resolve();

/**
 * Shutdown's wait for the work in flight: resolves once `drained()` holds (checked each time the pool
 * calls `check()`, after a release or a close) or the deadline passes, whichever is first. It also
 * keeps the calls leases gave up on while they still run (an engine is not closed under them).
 */
export class DrainWait {
  readonly #drained: () => boolean;
  #finish: (() => void) | undefined;
  /** Calls a lease stopped waiting for that still run: an engine is not closed under them. */
  readonly cutOffCalls = new Set<PromiseLike<unknown>>();

  constructor(drained: () => boolean) {
    this.#drained = drained;
  }

  /** Waits until drained or until `deadline` (performance.now() time). */
  until(deadline: number): Promise<void> {
    if (this.#drained()) return RESOLVED;
    return new Promise<void>((resolve) => {
      const timer = setTimeout(finish, Math.max(0, deadline - performance.now()));
      this.#finish = finish;
      function finish() {
        clearTimeout(timer);
        resolve();
      }
    });
  }

  /** Calls a lease gave up on that may still run: kept until they settle. */
  cutOff(calls: readonly PromiseLike<unknown>[]): void {
    for (const call of calls) {
      this.cutOffCalls.add(call);
      const forget = () => this.cutOffCalls.delete(call);
      call.then(forget, forget);
    }
  }

  /** Something finished: ends the wait if nothing is left. */
  check(): void {
    if (this.#finish && this.#drained()) {
      const done = this.#finish;
      this.#finish = undefined;
      done();
    }
  }
}
