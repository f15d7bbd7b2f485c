import type { SurrealTransaction } from "surrealdb";
import type { RetryPolicy } from "../config/options.js";
import { ArgumentError } from "../errors/ArgumentError.js";
import { OperationTimeoutError } from "../errors/OperationTimeoutError.js";
import type { TransactionCancelReason } from "../events/LeaseSessionEvent.js";
import type { PoolEvent } from "../events/PoolEvent.js";
import { type LeaseRunner, runOnLease } from "../pool/runOnLease.js";
import { classifyError } from "../retry/isTransient.js";
import type { RetryBudget } from "../retry/RetryBudget.js";
import { retry } from "../retry/retry.js";
import {
  describe,
  optionalDuration,
  optionalSignal,
  optionsObject,
  requiredFunction,
} from "../util/arguments.js";
import { asError } from "../util/asError.js";
import { withDeadline } from "../util/withDeadline.js";

export interface TransactionOptions {
  /**
   * Deadline of each attempt, ms, from its start (waiting for a connection included). Past it the
   * transaction is cancelled, the attempt fails with `OperationTimeoutError` and its connection is
   * discarded; another attempt runs when `maxAttempts` allows. Default: none (each call inside still
   * has `pool.queryTimeoutMs`).
   */
  timeoutMs?: number;
  /** Attempts in total, the first included. Default `pool.retryPolicy.maxAttempts`. */
  maxAttempts?: number;
  /** Aborting it cancels the running transaction (and any backoff wait); the call rejects with its reason. */
  signal?: AbortSignal;
}

/** What running a transaction needs of the manager. */
export interface TransactionHost {
  runner: LeaseRunner;
  publish(event: PoolEvent): void;
  retryPolicy: RetryPolicy;
  budget?: RetryBudget;
}

/** How long the inner deadline may take to cancel before the attempt's outer bound cuts it off. */
const CANCEL_GRACE_MS = 1_000;

/**
 * `manager.transaction(fn, options)`: begins a transaction on a lease, hands `fn` the transaction,
 * commits when `fn` resolves, cancels when it throws, times out or is aborted. A transient failure
 * before the commit's outcome is known (a conflict, a dropped connection, a deadline) runs the whole
 * `fn` again on a fresh transaction, with the pool's retry policy; a commit whose outcome is unknown
 * (the connection failed while it was in flight) is never run again: it may have been applied.
 */
export async function runTransaction<T>(
  host: TransactionHost,
  fn: (tx: SurrealTransaction) => Promise<T>,
  options?: TransactionOptions,
): Promise<T> {
  requiredFunction("transaction(fn)", fn);
  const o = optionsObject<TransactionOptions>("transaction(fn, options)", options);
  const signal = optionalSignal("transaction(fn, options).signal", o.signal);
  const timeoutMs = optionalDuration("transaction(fn, options).timeoutMs", o.timeoutMs);
  const maxAttempts = o.maxAttempts ?? host.retryPolicy.maxAttempts;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new ArgumentError(
      "transaction(fn, options).maxAttempts",
      `must be a whole number >= 1, got ${describe(o.maxAttempts)}`,
    );
  }
  const started = performance.now();
  /** Errors of commits whose outcome is unknown: never retried. */
  let unknownOutcome: WeakSet<object> | undefined; // made on the first such error: most calls have none
  let endpoint = "";
  let attempts = 0;
  const publishCancelled = (reason: TransactionCancelReason, error: unknown) =>
    host.publish({
      type: "transaction.cancelled",
      ts: Date.now(),
      endpoint,
      reason,
      error: asError(error),
    });

  const attemptOnce = async (attempt: number): Promise<T> => {
    const attemptStarted = performance.now();
    attempts = attempt;
    const run = await runOnLease(
      host.runner,
      async (db) => {
        const tx = await db.beginTransaction();
        host.publish({ type: "transaction.began", ts: Date.now(), endpoint, attempt });
        let value: T;
        try {
          const work = Promise.resolve().then(() => fn(tx));
          value = await (timeoutMs === undefined && signal === undefined
            ? work
            : withDeadline(
                work,
                timeoutMs === undefined
                  ? 2_147_483_647
                  : Math.max(0, attemptStarted + timeoutMs - performance.now()),
                () => new OperationTimeoutError(timeoutMs!, endpoint),
                signal,
              ));
        } catch (error) {
          // The server still holds the transaction: cancel it (bounded; a silent socket is discarded).
          // (Through the lease's handle: one whose connection broke refuses at once.)
          const cancel = Promise.resolve().then(() => tx.cancel());
          await withDeadline(cancel, CANCEL_GRACE_MS, () => new Error("cancel timed out")).catch(() => {});
          publishCancelled(reasonOf(error, signal), error);
          throw error;
        }
        try {
          await tx.commit();
        } catch (error) {
          // The server has dropped the transaction either way; a conflict is known not applied.
          const conflict = classifyError(error).category === "conflict";
          if (!conflict && classifyError(error).transient) {
            unknownOutcome ??= new WeakSet();
            unknownOutcome.add(error as object);
          }
          publishCancelled(conflict ? "conflict" : "failed", error);
          throw error;
        }
        return value;
      },
      {
        signal,
        ...(timeoutMs === undefined ? {} : { timeoutMs: timeoutMs + CANCEL_GRACE_MS }),
        onLease: (lease) => {
          endpoint = lease.endpoint;
        },
      },
    );
    return run.value;
  };

  const value = await retry(attemptOnce, {
    policy: { ...host.retryPolicy, maxAttempts },
    signal,
    budget: host.budget,
    isRetryable: (error) =>
      !(typeof error === "object" && error !== null && unknownOutcome?.has(error) === true) &&
      classifyError(error).transient,
    onRetry: (info) =>
      host.publish({
        type: "transaction.retried",
        ts: Date.now(),
        endpoint,
        attempt: info.attempt,
        delayMs: info.delayMs,
        error: asError(info.error),
      }),
  });
  host.publish({
    type: "transaction.committed",
    ts: Date.now(),
    endpoint,
    attempts,
    durationMs: performance.now() - started,
  });
  return value;
}

/** Why `fn`'s failure ended the transaction. */
function reasonOf(error: unknown, signal: AbortSignal | undefined): TransactionCancelReason {
  if (signal?.aborted) return "aborted";
  const { category } = classifyError(error);
  if (category === "timeout") return "timeout";
  if (category === "conflict") return "conflict";
  if (category === "connection") return "failed";
  return "threw";
}
