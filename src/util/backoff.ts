/**
 * Exponential backoff with full jitter: the wait before a retry is drawn uniformly from [0, cap], with
 * the cap growing by `multiplier` per attempt up to `maxBackoffMs`. Full jitter spreads the retries of
 * many clients that failed together, so they do not hammer a recovering endpoint in lock-step.
 */

/** The backoff part of a retry policy. */
export interface BackoffOptions {
  /** Cap of the wait after the first failed attempt, in ms. Non-negative. */
  initialBackoffMs: number;
  /** No wait exceeds this, in ms. Non-negative. */
  maxBackoffMs: number;
  /** Growth of the cap per attempt. At least 1 (below 1 the cap would shrink). */
  multiplier: number;
}

/**
 * The largest wait after failed attempt number `attempt` (1-based):
 * `min(maxBackoffMs, initialBackoffMs * multiplier^(attempt - 1))`.
 */
export function backoffCap(attempt: number, options: BackoffOptions): number {
  const { initialBackoffMs, maxBackoffMs, multiplier } = options;
  if (initialBackoffMs <= 0 || maxBackoffMs <= 0) return 0;
  const grown = initialBackoffMs * multiplier ** Math.max(0, attempt - 1);
  // `multiplier ** attempt` overflows to Infinity on long retry loops; min() then yields the ceiling.
  return Math.min(maxBackoffMs, grown);
}

/**
 * The wait after failed attempt number `attempt` (1-based): uniform in [0, backoffCap(attempt)].
 * `random` returns a number in [0, 1) like `Math.random`; inject it for reproducible tests.
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions,
  random: () => number = Math.random,
): number {
  return random() * backoffCap(attempt, options);
}

/**
 * A wait drawn uniformly from the top `share` of `cap` ([cap * (1 - share), cap]): steps that stay
 * predictable (a connect retried, an endpoint probed) yet spread, so many clients waiting the same
 * step do not act in lock-step.
 */
export function partialJitter(cap: number, share: number, random: () => number = Math.random): number {
  return cap * (1 - share * random());
}
