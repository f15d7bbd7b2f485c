import { withDeadline } from "../util/withDeadline.js";

/**
 * `work`, or a `TimeoutError` after `ms` (the platform's name for a deadline that passed, which the
 * project's error classification reads as a timeout: worth another attempt), or the abort reason when
 * `signal` aborts (the subscription moved on: its wait ends with it).
 */
export function timedOut<T>(work: Promise<T>, ms: number, what: string, signal?: AbortSignal): Promise<T> {
  return withDeadline(
    work,
    ms,
    () => new DOMException(`${what} timed out after ${ms} ms`, "TimeoutError"),
    signal,
  );
}
