/**
 * Counts one transport failure once, however many calls it failed: every call in flight on a socket
 * that drops fails with an error caused by the same drop (the shared socket's error object), and a
 * breaker that counted each of them would open on a single drop. Remembers the root causes it has seen
 * (weakly: nothing is kept alive).
 */
export class FailureOnce {
  readonly #seen = new WeakSet<object>();

  /** True the first time this failure (by its root cause) is reported; false for every repeat. */
  first(error: unknown): boolean {
    const root = rootCause(error);
    if (root === undefined) return true;
    if (this.#seen.has(root)) return false;
    this.#seen.add(root);
    return true;
  }
}

function rootCause(error: unknown): object | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4; depth++) {
    const cause =
      typeof current === "object" && current !== null ? (current as { cause?: unknown }).cause : undefined;
    if (typeof cause !== "object" || cause === null) break;
    current = cause;
  }
  return typeof current === "object" && current !== null ? current : undefined;
}
