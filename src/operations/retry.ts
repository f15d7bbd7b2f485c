import { ConfigError, type ConfigIssue } from "../errors/ConfigError.js";
import { isTransient } from "../errors/classifyError.js";
import { RetriesExhaustedError } from "../errors/RetriesExhaustedError.js";
import { type BackoffOptions, backoffDelay } from "../util/backoff.js";
import type { RetryBudget } from "./RetryBudget.js";

/** How often and how patiently to retry (the pool's `retryPolicy` has this shape). */
export interface RetryPolicyOptions extends BackoffOptions {
  /** Attempts in total, the first included; 1 means no retry. A positive integer. */
  maxAttempts: number;
}

/** What `onRetry` is told before each wait. */
export interface RetryInfo {
  /** The attempt that just failed (1-based); the next one is `attempt + 1`. */
  attempt: number;
  /** How long retry() waits before the next attempt, in ms. */
  delayMs: number;
  /** Why the attempt failed. */
  error: unknown;
}

/** Options of `retry()`. */
export interface RetryOptions {
  /** Attempts and backoff. */
  policy: RetryPolicyOptions;
  /** Stops the retries (and any wait) when aborted; retry() then rejects with `signal.reason`. */
  signal?: AbortSignal;
  /**
   * A budget shared by many operations; retry() records one request per call and takes one retry from it
   * per retry. When it refuses, retry() stops with a `RetriesExhaustedError` (reason "budget").
   */
  budget?: RetryBudget;
  /** Which errors deserve another attempt; others are rethrown as they are. Default `isTransient`. */
  isRetryable?: (error: unknown) => boolean;
  /** Told before each wait (the pool turns it into `operation.retried` events). Its errors are ignored. */
  onRetry?: (info: RetryInfo) => void;
  /** Source of jitter in [0, 1). Default `Math.random`. */
  random?: () => number;
  /** Waits `ms`, rejecting with `signal.reason` on abort. Default a timer; inject a fake in tests. */
  sleep?: (ms: number, signal: AbortSignal | undefined) => Promise<void>;
}

/** A signal that never aborts, handed to `fn` when the caller gave none. */
const NEVER_ABORTED = new AbortController().signal;

/**
 * Runs `fn` until it succeeds, retrying retryable failures with exponential backoff and full jitter.
 * Stops on a non-retryable error (rethrown as is), on abort (rejects with the abort reason), when the
 * budget refuses, or after `policy.maxAttempts` attempts (`RetriesExhaustedError`, cause = last error).
 */
export async function retry<T>(
  fn: (attempt: number, signal: AbortSignal) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const {
    policy,
    signal,
    budget,
    isRetryable = isTransient,
    onRetry,
    random,
    sleep = abortableSleep,
  } = options;
  validatePolicy(policy);
  signal?.throwIfAborted();
  budget?.recordRequest();
  let errors: unknown[] | undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt, signal ?? NEVER_ABORTED);
    } catch (error) {
      // An abort wins over whatever the attempt threw: the caller stopped waiting for any result.
      if (signal?.aborted) throw signal.reason;
      if (!isRetryable(error)) throw error;
      errors ??= [];
      errors.push(error);
      if (attempt >= policy.maxAttempts)
        throw new RetriesExhaustedError({ attempts: attempt, errors, reason: "maxAttempts" });
      if (budget && !budget.tryRetry())
        throw new RetriesExhaustedError({ attempts: attempt, errors, reason: "budget" });
      const delayMs = backoffDelay(attempt, policy, random);
      try {
        onRetry?.({ attempt, delayMs, error });
      } catch {
        // An observer's failure must not change the operation's outcome.
      }
      try {
        await sleep(delayMs, signal);
      } catch (sleepError) {
        throw signal?.aborted ? signal.reason : sleepError;
      }
    }
  }
}

/** Resolves after `ms`; rejects with `signal.reason` as soon as `signal` aborts (and clears the timer). */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function validatePolicy(policy: RetryPolicyOptions): void {
  // Every operation checks its policy: the valid one (always, from the pool's config) allocates nothing.
  const { maxAttempts, initialBackoffMs, maxBackoffMs, multiplier } = policy;
  if (
    Number.isInteger(maxAttempts) &&
    maxAttempts >= 1 &&
    initialBackoffMs >= 0 &&
    maxBackoffMs >= 0 &&
    multiplier >= 1
  )
    return;
  const issues: ConfigIssue[] = [];
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1) {
    issues.push({
      path: "retryPolicy.maxAttempts",
      message: `must be an integer >= 1, got ${policy.maxAttempts}`,
    });
  }
  if (!(policy.initialBackoffMs >= 0)) {
    issues.push({
      path: "retryPolicy.initialBackoffMs",
      message: `must be >= 0, got ${policy.initialBackoffMs}`,
    });
  }
  if (!(policy.maxBackoffMs >= 0)) {
    issues.push({ path: "retryPolicy.maxBackoffMs", message: `must be >= 0, got ${policy.maxBackoffMs}` });
  }
  if (!(policy.multiplier >= 1)) {
    issues.push({ path: "retryPolicy.multiplier", message: `must be >= 1, got ${policy.multiplier}` });
  }
  if (issues.length > 0) throw new ConfigError(issues);
}
