/** How often a held process checks whether the pool still has work; it may exit this much after it ends. */
const CHECK_MS = 100;

/**
 * With `pool.allowExitOnIdle`, nothing of the pool keeps the process alive by itself (sockets and timers
 * are unref'd), so something must while there is work: a borrower awaiting a query on an unref'd socket
 * would otherwise see the process end under it. This is that something: one timer, ref'd while the pool
 * is busy and unref'd once it is not. `busy()` reads the pool's own state (leases out, callers waiting,
 * connections opening); `hold()` covers calls that are not in it (a fast-path query, a shutdown).
 * Becoming busy is told at once (`poke`); becoming idle is noticed by the next check.
 */
export class KeepAlive {
  readonly #busy: () => boolean;
  readonly #timer: ReturnType<typeof setInterval>;
  #holds = 0;
  #held = true;

  constructor(busy: () => boolean) {
    this.#busy = busy;
    this.#timer = setInterval(() => this.#check(), CHECK_MS);
  }

  /** Work may have started: the process stays up until the next check finds none. */
  poke(): void {
    if (this.#held) return;
    this.#held = true;
    this.#timer.ref();
  }

  /** Keeps the process up until the returned function is called (once). */
  hold(): () => void {
    this.#holds++;
    this.poke();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#holds--;
    };
  }

  /** Lets the process go for good (the pool is closed). */
  stop(): void {
    clearInterval(this.#timer);
  }

  #check(): void {
    if (!this.#held || this.#holds > 0 || this.#busy()) return;
    this.#held = false;
    this.#timer.unref();
  }
}
