/**
 * Fails every call still racing it, once, when it trips (a socket that dropped or closed: the SDK
 * leaves a call sent on it pending for ever). A call joins with `race` and leaves when it settles. An
 * AbortSignal did this before; adding and removing an event listener cost ~1.5 µs per call, most of a
 * fast-path query's own cost, where a Set's add and delete cost a few tens of nanoseconds.
 */
export class Tripwire {
  readonly #waiting = new Set<(error: unknown) => void>();
  #tripped: { error: unknown } | undefined;

  /** Calls racing it now. */
  get waiting(): number {
    return this.#waiting.size;
  }

  /** Settles like `call`, or rejects with the trip's error (at once when it tripped already). */
  race<T>(call: Promise<T>): Promise<T> {
    const tripped = this.#tripped;
    if (tripped) {
      call.catch(() => {}); // given up on: its own failure is nobody's to see
      return Promise.reject(tripped.error);
    }
    return new Promise<T>((resolve, reject) => {
      const waiting = this.#waiting;
      waiting.add(reject);
      call.then(
        (value) => {
          waiting.delete(reject);
          resolve(value);
        },
        (error: unknown) => {
          waiting.delete(reject);
          reject(error);
        },
      );
    });
  }

  /** Fails every waiting call with `error`, and every later one at once. Only the first trip counts. */
  trip(error: unknown): void {
    if (this.#tripped) return;
    this.#tripped = { error };
    for (const reject of this.#waiting) reject(error);
    this.#waiting.clear();
  }
}
