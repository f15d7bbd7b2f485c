const RESOLVED = Promise.resolve();

/**
 * Shutdown's wait for the work in flight: resolves once `drained()` holds (checked each time the pool
 * calls `check()`, after a release or a close) or the deadline passes, whichever is first.
 */
export class DrainWait {
  readonly #drained: () => boolean;
  #finish: (() => void) | undefined;

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

  /** Something finished: ends the wait if nothing is left. */
  check(): void {
    if (this.#finish && this.#drained()) {
      const done = this.#finish;
      this.#finish = undefined;
      done();
    }
  }
}
