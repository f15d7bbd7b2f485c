import type { SurrealTransaction } from "surrealdb";
import type { RetryPolicy } from "../config/options.js";
import { ArgumentError } from "../errors/ArgumentError.js";
import { classifyError } from "../errors/classifyError.js";
import { OperationTimeoutError } from "../errors/OperationTimeoutError.js";
import type { TransactionCancelReason } from "../events/LeaseSessionEvent.js";
import type { PoolEvent } from "../events/PoolEvent.js";
import type { RetryBudget } from "../operations/RetryBudget.js";
import { retry } from "../operations/retry.js";
import { type LeaseRunner, runOnLease } from "../operations/runOnLease.js";
import type { PooledDb } from "../surreal/Connector.js";
import {
  describe,
  optionalDuration,
  optionalSignal,
  optionsObject,
  requiredFunction,
} from "../util/arguments.js";
import { asError } from "../util/asError.js";
import { withDeadline } from "../util/withDeadline.js";
import { CommitWatch } from "./CommitWatch.js";

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
 * before any commit was sent, or a commit the server answered with a conflict, runs the whole `fn` again
 * on a fresh transaction, with the pool's retry policy. Once a commit was sent without such an answer it
 * is never run again, whatever reports the failure (the attempt's deadline, a dropped socket, the lease
 * ending): it may have been applied, and the call rejects with `CommitOutcomeUnknownError`. When `fn`
 * commits or cancels the transaction itself, the pool does neither after it.
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
  /** Errors that end the call though transient: their attempt sent a commit that may have been applied. */
  let final: WeakSet<object> | undefined; // made on the first such error: most calls have none
  let endpoint = "";
  let attempts = 0;
  const publishCommitted = () =>
    host.publish({
      type: "transaction.committed",
      ts: Date.now(),
      endpoint,
      attempts,
      durationMs: performance.now() - started,
    });
  const publishCancelled = (reason: TransactionCancelReason, error?: unknown) =>
    host.publish({
      type: "transaction.cancelled",
      ts: Date.now(),
      endpoint,
      reason,
      ...(error === undefined ? {} : { error: asError(error) }),
    });

  /** One attempt's transaction on its lease, from begin to the commit's answer. */
  const inTransaction = async (db: PooledDb, attempt: Attempt<T>): Promise<T> => {
    const tx = await db.beginTransaction();
    attempt.began = true;
    host.publish({ type: "transaction.began", ts: Date.now(), endpoint, attempt: attempt.number });
    const { commit } = attempt;
    try {
      const work = Promise.resolve().then(() => fn(commit.handFn(tx)));
      attempt.value = await (timeoutMs === undefined && signal === undefined
        ? work
        : withDeadline(
            work,
            timeoutMs === undefined
              ? 2_147_483_647
              : Math.max(0, attempt.startedAt + timeoutMs - performance.now()),
            () => new OperationTimeoutError(timeoutMs!, endpoint),
            signal,
          ));
      // A commit or cancel fn started without awaiting it is part of the attempt too.
      await commit.ending;
    } catch (error) {
      if (commit.endedByFn === undefined) {
        // The server still holds the transaction: cancel it (bounded; a silent socket is discarded).
        // (Through the lease's handle: one whose connection broke refuses at once.)
        const cancel = Promise.resolve().then(() => tx.cancel());
        await withDeadline(cancel, CANCEL_GRACE_MS, () => new Error("cancel timed out")).catch(() => {});
      }
      throw error;
    }
    if (commit.endedByFn === undefined) await commit.commit(() => tx.commit());
    return attempt.value;
  };

  const attemptOnce = async (number: number): Promise<T> => {
    attempts = number;
    const attempt: Attempt<T> = {
      number,
      startedAt: performance.now(),
      commit: new CommitWatch(),
      began: false,
    };
    try {
      const run = await runOnLease(host.runner, (db) => inTransaction(db, attempt), {
        signal,
        ...(timeoutMs === undefined ? {} : { timeoutMs: timeoutMs + CANCEL_GRACE_MS }),
        onLease: (lease) => {
          endpoint = lease.endpoint;
        },
      });
      if (attempt.commit.endedByFn === "cancel") publishCancelled("cancelled");
      else publishCommitted();
      return run.value;
    } catch (error) {
      return settleFailed(attempt, error);
    }
  };

  /** An attempt failed: what the caller learns, and whether it may run again. */
  const settleFailed = (attempt: Attempt<T>, error: unknown): T => {
    const { commit } = attempt;
    // The pool's commit was applied, its answer arriving while the attempt was being given up: done.
    if (commit.applied && commit.endedByFn === undefined && "value" in attempt) {
      publishCommitted();
      return attempt.value as T;
    }
    const verdict = commit.verdict(error, endpoint);
    if (commit.applied) publishCommitted();
    else if (commit.mayBeApplied) publishCancelled("failed", verdict.error);
    else if (commit.sent)
      publishCancelled(reasonOf(error, signal) === "conflict" ? "conflict" : "failed", error);
    else if (attempt.began) publishCancelled(reasonOf(error, signal), error);
    if (!verdict.mayRunAgain && typeof verdict.error === "object" && verdict.error !== null) {
      final ??= new WeakSet();
      final.add(verdict.error);
    }
    throw verdict.error;
  };

  return retry(attemptOnce, {
    policy: { ...host.retryPolicy, maxAttempts },
    signal,
    budget: host.budget,
    isRetryable: (error) =>
      !(typeof error === "object" && error !== null && final?.has(error) === true) &&
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
}

/** One attempt of a transaction, as far as it got. */
interface Attempt<T> {
  number: number;
  startedAt: number;
  /** Who ended the transaction, and whether its commit may have been applied. */
  commit: CommitWatch;
  /** The transaction was begun (an attempt that got no connection has nothing to cancel). */
  began: boolean;
  /** What fn resolved with, once it did. */
  value?: T;
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
