/**
 * Settles with `promise`, or rejects with `onTimeout()` after `ms`, or with the abort reason when
 * `signal` aborts. The underlying promise is abandoned, not cancelled: callers that opened something
 * must close it if it arrives late (an SDK connect to a dead endpoint never settles). The timer does not
 * keep the process alive: what it bounds does, while it runs (a socket, the engine); a call left
 * unanswered on a socket closed under it (at shutdown) must not hold the process for its deadline.
 */
export function withDeadline<T>(
  promise: Promise<T>,
  ms: number,
  onTimeout: () => Error,
  signal?: AbortSignal,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => finish(() => reject(onTimeout())), ms);
    timer.unref?.();
    const onAbort = () => finish(() => reject(signal?.reason));
    signal?.addEventListener("abort", onAbort, { once: true });
    let done = false;
    function finish(settle: () => void) {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      settle();
    }
    promise.then(
      (value) => finish(() => resolve(value)),
      (error) => finish(() => reject(error)),
    );
  });
}
