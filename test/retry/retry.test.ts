import { ConnectionUnavailableError, NotFoundError } from "surrealdb";
import { describe, expect, it } from "vitest";
import { isConfigError } from "../../src/errors/ConfigError.js";
import { isRetriesExhaustedError, RetriesExhaustedError } from "../../src/errors/RetriesExhaustedError.js";
import { RetryBudget } from "../../src/operations/RetryBudget.js";
import { abortableSleep, type RetryInfo, type RetryOptions, retry } from "../../src/operations/retry.js";

const policy = { maxAttempts: 4, initialBackoffMs: 100, maxBackoffMs: 1_000, multiplier: 2 };
const dropped = () => new ConnectionUnavailableError();

/** A sleep that records its delays and returns at once (honouring an already-aborted signal). */
function fakeSleep() {
  const delays: number[] = [];
  const sleep: NonNullable<RetryOptions["sleep"]> = async (ms, signal) => {
    signal?.throwIfAborted();
    delays.push(ms);
  };
  return { delays, sleep };
}

/** An operation that fails with `errors` in turn, then returns "ok". */
function failing(...errors: unknown[]) {
  const attempts: number[] = [];
  const fn = async (attempt: number) => {
    attempts.push(attempt);
    const error = errors[attempt - 1];
    if (error !== undefined) throw error;
    return "ok";
  };
  return { fn, attempts };
}

describe("retry", () => {
  it("returns at once when the first attempt succeeds", async () => {
    const { sleep, delays } = fakeSleep();
    const { fn, attempts } = failing();
    await expect(retry(fn, { policy, sleep })).resolves.toBe("ok");
    expect(attempts).toEqual([1]);
    expect(delays).toEqual([]);
  });

  it("retries transient errors with full-jitter backoff and reports each retry", async () => {
    const { sleep, delays } = fakeSleep();
    const errors = [dropped(), dropped()];
    const { fn, attempts } = failing(...errors);
    const retries: RetryInfo[] = [];
    const result = await retry(fn, { policy, sleep, random: () => 0.5, onRetry: (i) => retries.push(i) });
    expect(result).toBe("ok");
    expect(attempts).toEqual([1, 2, 3]);
    expect(delays).toEqual([50, 100]); // half of the caps 100, 200
    expect(retries).toEqual([
      { attempt: 1, delayMs: 50, error: errors[0] },
      { attempt: 2, delayMs: 100, error: errors[1] },
    ]);
  });

  it("gives up after maxAttempts with RetriesExhaustedError carrying every error", async () => {
    const { sleep, delays } = fakeSleep();
    const errors = [dropped(), dropped(), dropped(), dropped(), dropped()];
    const { fn, attempts } = failing(...errors);
    const error = await retry(fn, { policy, sleep, random: () => 1 }).catch((e: unknown) => e);
    expect(attempts).toEqual([1, 2, 3, 4]);
    expect(delays).toEqual([100, 200, 400]);
    expect(isRetriesExhaustedError(error)).toBe(true);
    const exhausted = error as RetriesExhaustedError;
    expect(exhausted.attempts).toBe(4);
    expect(exhausted.errors).toEqual(errors.slice(0, 4));
    expect(exhausted.cause).toBe(errors[3]);
    expect(exhausted.reason).toBe("maxAttempts");
    expect(exhausted.message).toMatch(/^gave up after 4 attempts; last error: ConnectionUnavailableError: /);
  });

  it("maxAttempts 1 makes a single attempt", async () => {
    const { fn, attempts } = failing(dropped());
    const error = await retry(fn, { policy: { ...policy, maxAttempts: 1 } }).catch((e: unknown) => e);
    expect(attempts).toEqual([1]);
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect((error as Error).message).toContain("after 1 attempt;");
  });

  it("rethrows a non-retryable error as is, at once", async () => {
    const { sleep, delays } = fakeSleep();
    const notFound = new NotFoundError({ kind: "NotFound", message: "The table 'x' does not exist" });
    const { fn, attempts } = failing(dropped(), notFound);
    await expect(retry(fn, { policy, sleep })).rejects.toBe(notFound);
    expect(attempts).toEqual([1, 2]);
    expect(delays).toHaveLength(1);
  });

  it("uses a custom isRetryable", async () => {
    const { sleep } = fakeSleep();
    const boom = new Error("boom");
    const { fn, attempts } = failing(boom, boom);
    await expect(retry(fn, { policy, sleep, isRetryable: (e) => e === boom })).resolves.toBe("ok");
    expect(attempts).toEqual([1, 2, 3]);
  });

  it("rejects with the abort reason when aborted mid-sleep, and makes no further attempt", async () => {
    const controller = new AbortController();
    const reason = new Error("caller gave up");
    const { fn, attempts } = failing(dropped(), dropped());
    const started = Date.now();
    const pending = retry(fn, {
      policy: { ...policy, initialBackoffMs: 60_000, maxBackoffMs: 60_000 },
      signal: controller.signal,
      random: () => 1,
      onRetry: () => setTimeout(() => controller.abort(reason), 10),
    });
    await expect(pending).rejects.toBe(reason);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(attempts).toEqual([1]);
  });

  it("rejects with the abort reason when aborted during an attempt, even if the attempt fails otherwise", async () => {
    const controller = new AbortController();
    const reason = new Error("deadline");
    let seen: AbortSignal | undefined;
    const pending = retry(
      async (_attempt, signal) => {
        seen = signal;
        controller.abort(reason);
        throw new NotFoundError({ kind: "NotFound", message: "x" });
      },
      { policy, signal: controller.signal },
    );
    await expect(pending).rejects.toBe(reason);
    expect(seen).toBe(controller.signal);
  });

  it("does not start when the signal is already aborted", async () => {
    const controller = new AbortController();
    controller.abort(new Error("too late"));
    const { fn, attempts } = failing();
    await expect(retry(fn, { policy, signal: controller.signal })).rejects.toThrow("too late");
    expect(attempts).toEqual([]);
  });

  it("stops when the budget refuses, with reason 'budget'", async () => {
    const { sleep } = fakeSleep();
    const budget = new RetryBudget({ ratio: 0, minRetriesPerSecond: 0.1, windowMs: 10_000, now: () => 0 });
    const { fn, attempts } = failing(dropped(), dropped(), dropped());
    const error = await retry(fn, { policy, sleep, budget }).catch((e: unknown) => e);
    expect(attempts).toEqual([1, 2]); // the budget held exactly one retry
    expect(error).toMatchObject({ code: "RETRIES_EXHAUSTED", reason: "budget", attempts: 2 });
    expect((error as Error).message).toContain("retry budget");
    expect(budget.toJSON()).toMatchObject({ requests: 1, retries: 1 });
  });

  it("an onRetry that throws does not change the outcome", async () => {
    const { sleep } = fakeSleep();
    const { fn } = failing(dropped());
    await expect(
      retry(fn, {
        policy,
        sleep,
        onRetry: () => {
          throw new Error("listener bug");
        },
      }),
    ).resolves.toBe("ok");
  });

  it("hands attempts a never-aborting signal when the caller gives none", async () => {
    const signals: AbortSignal[] = [];
    await retry(
      async (_a, signal) => {
        signals.push(signal);
      },
      { policy },
    );
    expect(signals[0]?.aborted).toBe(false);
  });

  it("rejects an invalid policy with a ConfigError naming the option", async () => {
    const error = await retry(async () => 1, { policy: { ...policy, maxAttempts: 0 } }).catch(
      (e: unknown) => e,
    );
    expect(isConfigError(error)).toBe(true);
    expect((error as Error).message).toContain("retryPolicy.maxAttempts");
    await expect(retry(async () => 1, { policy: { ...policy, multiplier: 0.5 } })).rejects.toThrow(
      /retryPolicy\.multiplier/,
    );
  });

  it("really waits with the default sleep (short delays)", async () => {
    const { fn, attempts } = failing(dropped(), dropped());
    const started = performance.now();
    await retry(fn, {
      policy: { maxAttempts: 3, initialBackoffMs: 20, maxBackoffMs: 20, multiplier: 1 },
      random: () => 1,
    });
    expect(attempts).toEqual([1, 2, 3]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(35);
  });
});

describe("abortableSleep", () => {
  it("resolves after the delay", async () => {
    await expect(abortableSleep(5)).resolves.toBeUndefined();
  });

  it("rejects at once with the reason of an already-aborted signal", async () => {
    await expect(abortableSleep(60_000, AbortSignal.abort("stop"))).rejects.toBe("stop");
  });

  it("rejects when aborted while sleeping", async () => {
    const controller = new AbortController();
    const pending = abortableSleep(60_000, controller.signal);
    controller.abort("now");
    await expect(pending).rejects.toBe("now");
  });
});
