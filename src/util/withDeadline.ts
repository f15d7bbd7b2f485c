import { Deadlines, type Expiring } from "./Deadlines.js";

/** One call racing its deadline (and maybe a signal): whichever settles it first wins. */
class TimedCall implements Expiring {
  settled = false;
  deadline = 0;
  group: Expiring["group"] = undefined;
  onAbort: (() => void) | undefined;

  constructor(
    readonly reject: (error: unknown) => void,
    readonly onTimeout: () => Error,
    readonly signal: AbortSignal | undefined,
  ) {}

  /** Settles it once: later outcomes are ignored. False when it was settled already. */
  leave(): boolean {
    if (this.settled) return false;
    this.settled = true;
    deadlines.remove(this);
    if (this.onAbort) this.signal!.removeEventListener("abort", this.onAbort);
    return true;
  }
}

/**
 * Every call's deadline on a few shared timers (one per distinct timeout, see Deadlines) instead of a
 * timer and four closures per call. Unref'd: what a call runs on keeps the process alive while it runs;
 * a call left unanswered on a socket closed under it (at shutdown) must not hold the process.
 */
const deadlines = new Deadlines<TimedCall>(
  (call) => {
    if (call.leave()) call.reject(call.onTimeout());
  },
  { unref: true },
);

/**
 * Settles with `promise`, or rejects with `onTimeout()` after `ms`, or with the abort reason when
 * `signal` aborts. The underlying promise is abandoned, not cancelled: callers that opened something
 * must close it if it arrives late (an SDK connect to a dead endpoint never settles).
 */
export function withDeadline<T>(
  promise: Promise<T>,
  ms: number,
  onTimeout: () => Error,
  signal?: AbortSignal,
): Promise<T> {
  if (signal?.aborted) {
    promise.catch(() => {}); // given up on: its own failure is nobody's to see
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const call = new TimedCall(reject, onTimeout, signal);
    deadlines.add(call, ms, performance.now());
    if (signal) {
      call.onAbort = () => {
        if (call.leave()) reject(signal.reason);
      };
      signal.addEventListener("abort", call.onAbort, { once: true });
    }
    promise.then(
      (value) => {
        if (call.leave()) resolve(value);
      },
      (error: unknown) => {
        if (call.leave()) reject(error);
      },
    );
  });
}
