import { withDeadline } from "../util/withDeadline.js";

/**
 * `promise` with a deadline. The timeout error is named `TimeoutError`, which the transient-error
 * classification treats as a timeout (retried), like `AbortSignal.timeout()`'s.
 */
export function bounded<T>(promise: Promise<T>, ms: number, what: string, signal?: AbortSignal): Promise<T> {
  return withDeadline(
    promise,
    ms,
    () => Object.assign(new Error(`${what} did not finish within ${ms} ms`), { name: "TimeoutError" }),
    signal,
  );
}
