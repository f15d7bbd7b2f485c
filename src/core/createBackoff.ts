import { type BackoffOptions, backoffCap, partialJitter } from "../util/backoff.js";

/**
 * The wait before opening again after `failures` connect failures in a row (connects that failed
 * together count once): 80-100% of the policy's backoff cap. Not full jitter: the steps must stay
 * predictable so a server that comes back is found within one step (a first failure waits <= 100 ms
 * with the default policy), and a breaker with the default threshold of 5 opens only after ~1.2 s of
 * failing connects, not after a burst of short random waits.
 */
export function createBackoffMs(
  failures: number,
  policy: BackoffOptions,
  random: () => number = Math.random,
): number {
  return Math.max(10, partialJitter(backoffCap(Math.max(1, failures), policy), 0.2, random));
}
