type AbortListener = (event: { type: "abort"; target: CloseSignal }) => void;

/**
 * What a session's close fires for the agent's acquires waiting in the pool's queue: signal-like, not
 * an `AbortSignal`. The pool takes any object with `aborted`, `reason`, `addEventListener` and
 * `removeEventListener` (its argument check is structural), and every acquire that waits in the pool
 * adds and removes a listener: on Node's `EventTarget` that cost ~3 µs each way (measured), on a Set
 * almost nothing. Listeners are called once, as `{ once: true }` would have them.
 */
export class CloseSignal {
  aborted = false;
  reason: unknown = undefined;
  /** Made by the first listener: most sessions never have an acquire waiting in the pool. */
  #listeners: Set<AbortListener> | undefined;

  addEventListener(type: string, listener: AbortListener): void {
    if (type !== "abort" || this.aborted) return;
    this.#listeners ??= new Set();
    this.#listeners.add(listener);
  }

  removeEventListener(type: string, listener: AbortListener): void {
    if (type === "abort") this.#listeners?.delete(listener);
  }

  /** Fires once: every listener is called with the signal as the event's target, then forgotten. */
  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listeners = this.#listeners;
    this.#listeners = undefined;
    for (const listener of listeners ?? []) listener({ type: "abort", target: this });
  }

  /** This signal where an `AbortSignal` is asked for (the pool's acquire, `anySignal`). */
  get signal(): AbortSignal {
    return this as unknown as AbortSignal;
  }
}
