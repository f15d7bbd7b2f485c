import type { AcquireOptions } from "../core/acquireOptions.js";
import { isAcquireTimeoutError } from "../errors/AcquireTimeoutError.js";
import { classifyError } from "../errors/classifyError.js";
import { OperationTimeoutError } from "../errors/OperationTimeoutError.js";
import type { PooledDb } from "../surreal/Connector.js";
import { withDeadline } from "../util/withDeadline.js";

/** What running needs of a lease: the pool's `Lease`, or an agent session's lease (no `discard`). */
export interface RunnableLease {
  readonly db: PooledDb;
  readonly endpoint: string;
  release(): Promise<void>;
  /** Gives the connection up; without it, a failed connection is released (its pool checks it). */
  discard?(): Promise<void>;
}

/** What running on a lease needs of the pool. */
export interface LeaseRunner {
  /** `options` undefined: the pool's defaults (its fast path: nothing to parse). */
  acquire(options?: AcquireOptions): Promise<RunnableLease>;
  /** The pool's own acquire wait (`connectionTimeoutMs`): an attempt's deadline never waits longer. */
  readonly acquireTimeoutMs: number;
  /** Told of every attempt's outcome on its endpoint (the breaker and balancing learn from it). */
  record(endpoint: string, error: unknown): void;
}

export interface RunOptions {
  signal?: AbortSignal;
  /** Deadline of the whole attempt, waiting for a connection included, ms. */
  timeoutMs?: number;
  avoidEndpoints?: readonly string[];
  /** Called with the lease once acquired (hedging learns the endpoint early). */
  onLease?: (lease: RunnableLease) => void;
}

/** One attempt's result, with the endpoint that served it. */
export interface RunResult<T> {
  value: T;
  endpoint: string;
  /** How long `fn` ran, ms (the wait for a connection excluded). */
  durationMs: number;
}

/**
 * One attempt of `fn` on a lease: acquire, run within the attempt's deadline, record the outcome,
 * then release, or discard when the connection failed at connection level or the deadline passed (a
 * silent socket looks exactly like that; discarding also cuts off the calls still running on it). The
 * lease always goes back, whatever `fn` throws. Shared by `executeWithRetry`, `executeHedged` and
 * `transaction()`.
 */
export async function runOnLease<T>(
  pool: LeaseRunner,
  fn: (db: PooledDb) => Promise<T>,
  options: RunOptions = {},
): Promise<RunResult<T>> {
  const { timeoutMs } = options;
  const deadline = timeoutMs === undefined ? undefined : performance.now() + timeoutMs;
  // The attempt's deadline bounds the wait for a connection too (never longer than the pool's own wait).
  const boundedByAttempt = timeoutMs !== undefined && timeoutMs <= pool.acquireTimeoutMs;
  let lease: RunnableLease;
  try {
    // The common attempt (no signal, no endpoint to avoid, no deadline of its own) asks for the pool's
    // defaults, which the pool serves without parsing an options object.
    lease = await (options.signal === undefined && options.avoidEndpoints === undefined && !boundedByAttempt
      ? pool.acquire()
      : pool.acquire({
          signal: options.signal,
          avoidEndpoints: options.avoidEndpoints,
          ...(boundedByAttempt ? { timeoutMs } : {}),
        }));
  } catch (error) {
    // The attempt's own deadline ran out while waiting: say so, as the attempt's timeout.
    if (boundedByAttempt && isAcquireTimeoutError(error)) {
      throw new OperationTimeoutError(timeoutMs, error.endpoint, { cause: error });
    }
    throw error;
  }
  options.onLease?.(lease);
  const endpoint = lease.endpoint;
  const began = performance.now();
  let value: T | undefined;
  let failure: { error: unknown } | undefined;
  try {
    const work = fn(lease.db);
    value = await (deadline === undefined
      ? work
      : withDeadline(
          work,
          Math.max(0, deadline - began),
          () => new OperationTimeoutError(timeoutMs!, endpoint),
        ));
  } catch (error) {
    failure = { error };
  }
  const durationMs = performance.now() - began;
  let discard = true;
  try {
    pool.record(endpoint, failure?.error);
    discard = failure !== undefined && isConnectionLevel(failure.error);
  } catch {
    // An error object whose fields throw when read: give its connection up rather than guess.
  }
  await (discard && lease.discard ? lease.discard() : lease.release());
  if (failure) throw failure.error;
  return { value: value as T, endpoint, durationMs };
}

/** Errors that say the connection itself is unusable (dropped, or stopped answering): don't return it. */
export function isConnectionLevel(error: unknown): boolean {
  const { category } = classifyError(error);
  return category === "connection" || category === "timeout";
}
