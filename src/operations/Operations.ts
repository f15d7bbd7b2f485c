import type { SurrealTransaction } from "surrealdb";
import type { PoolOptions } from "../config/options.js";
import type { AcquireOptions } from "../core/acquireOptions.js";
import type { Balancer } from "../core/balancer/Balancer.js";
import type { ConnectionPool } from "../core/ConnectionPool.js";
import type { Endpoint } from "../core/Endpoint.js";
import { ArgumentError } from "../errors/ArgumentError.js";
import { isOperationTimeoutError } from "../errors/OperationTimeoutError.js";
import type { PoolEvent } from "../events/PoolEvent.js";
import type { PooledDb } from "../surreal/Connector.js";
import type { PooledLease } from "../surreal/lease/PooledLease.js";
import { runTransaction, type TransactionOptions } from "../transaction/runTransaction.js";
import {
  describe,
  optionalDuration,
  optionalSignal,
  optionsObject,
  requiredFunction,
} from "../util/arguments.js";
import { asError } from "../util/asError.js";
import { FailureOnce } from "./FailureOnce.js";
import { type HedgeOptions, hedge, LatencyTracker } from "./hedge.js";
import { type QueryHost, type QueryOptions, runQuery } from "./query.js";
import { RetryBudget } from "./RetryBudget.js";
import { type RetryInfo, retry } from "./retry.js";
import { type LeaseRunner, type RunResult, runOnLease } from "./runOnLease.js";

export interface ExecuteOptions {
  /** Aborts the current attempt's acquire and any backoff wait. */
  signal?: AbortSignal;
  /**
   * Deadline of each attempt, ms: waiting for a connection and running `fn`. Past it the attempt fails
   * with `OperationTimeoutError` (transient: retried on another connection), its connection is
   * discarded and the calls still running on it are cut off. Default: none (each call through the
   * lease still has `pool.queryTimeoutMs`).
   */
  timeoutMs?: number;
}

export interface OperationsOptions {
  pool: ConnectionPool<PooledLease>;
  /** Remote mode's balancer (undefined: one endpoint, or the embedded store). */
  balancer: Balancer | undefined;
  options: PoolOptions;
  publish: (event: PoolEvent) => void;
  /** Told before each acquire (`allowExitOnIdle`: a call is work). */
  poke?: () => void;
}

/**
 * The calls that run work for the caller and retry it: `executeWithRetry`, `query`, `executeHedged`,
 * `transaction`. One retry budget and one latency record for all of them; every attempt's outcome is
 * told to its endpoint's breaker here, and `operation.*` events say how each call went.
 */
export class Operations implements LeaseRunner, QueryHost {
  readonly #pool: ConnectionPool<PooledLease>;
  readonly #options: PoolOptions;
  readonly #publish: (event: PoolEvent) => void;
  readonly #poke: (() => void) | undefined;
  /** Keeps retries from multiplying load in an outage: at most ~20% of recent calls (min 10/s). */
  readonly #retryBudget = new RetryBudget();
  readonly #latency = new LatencyTracker();
  readonly #failures = new FailureOnce();
  readonly balancer: Balancer | undefined;
  readonly acquireTimeoutMs: number;
  readonly queryTimeoutMs: number | null;

  constructor(o: OperationsOptions) {
    this.#pool = o.pool;
    this.#options = o.options;
    this.#publish = o.publish;
    this.#poke = o.poke;
    this.balancer = o.balancer;
    this.acquireTimeoutMs = o.options.connectionTimeoutMs;
    this.queryTimeoutMs = o.options.queryTimeoutMs;
  }

  get endpoints(): readonly Endpoint[] {
    return this.#pool.endpoints;
  }

  running(): boolean {
    return this.#pool.state === "running";
  }

  acquire(options?: AcquireOptions): Promise<PooledLease> {
    this.#poke?.();
    return this.#pool.acquire(options);
  }

  executeWithRetry<T>(fn: (db: PooledDb) => Promise<T>, options?: ExecuteOptions): Promise<T> {
    let signal: AbortSignal | undefined;
    let timeoutMs: number | undefined;
    try {
      ({ signal, timeoutMs } = parseExecuteArguments("executeWithRetry", fn, options));
    } catch (error) {
      return Promise.reject(error);
    }
    return this.retried((note) => this.onLease(fn, signal, timeoutMs, note), signal);
  }

  query<T extends unknown[]>(
    text: string,
    vars?: Record<string, unknown>,
    options?: QueryOptions,
  ): Promise<T> {
    return runQuery<T>(this, text, vars, options);
  }

  executeHedged<T>(fn: (db: PooledDb) => Promise<T>, options?: HedgeOptions): Promise<T> {
    try {
      requiredFunction("executeHedged(fn)", fn);
      const o = optionsObject<HedgeOptions>("executeHedged(fn, options)", options);
      optionalSignal("executeHedged(fn, options).signal", o.signal);
      optionalDuration("executeHedged(fn, options).timeoutMs", o.timeoutMs);
      optionalDuration("executeHedged(fn, options).minDelayMs", o.minDelayMs, true);
      optionalDuration("executeHedged(fn, options).initialDelayMs", o.initialDelayMs, true);
      if (
        o.percentile !== undefined &&
        !(typeof o.percentile === "number" && o.percentile > 0 && o.percentile < 1)
      ) {
        throw new ArgumentError(
          "executeHedged(fn, options).percentile",
          `must be a number between 0 and 1, got ${describe(o.percentile)}`,
        );
      }
      return hedge(fn, { ...o, runner: this, latency: this.#latency, publish: this.#publish });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  transaction<T>(fn: (tx: SurrealTransaction) => Promise<T>, options?: TransactionOptions): Promise<T> {
    return runTransaction(
      {
        runner: this,
        publish: this.#publish,
        retryPolicy: this.#options.retryPolicy,
        budget: this.#retryBudget,
      },
      fn,
      options,
    );
  }

  /** One attempt of `fn` on a lease. */
  async onLease<T>(
    fn: (db: PooledDb) => Promise<T>,
    signal: AbortSignal | undefined,
    timeoutMs: number | undefined,
    note: (endpoint: string) => void,
  ): Promise<RunResult<T>> {
    // The caller's own signal, not retry()'s stand-in: that one is a single never-aborted signal
    // shared by every call, and each queued acquire adds a listener to it (MaxListenersExceeded
    // warnings once 11 calls wait at the same time).
    const run = await runOnLease(this, fn, {
      signal,
      timeoutMs,
      onLease: (lease) => note(lease.endpoint),
    });
    this.#latency.observe(run.durationMs);
    return run;
  }

  /** Attempts with the retry policy and budget; `operation.*` events say how it went. */
  async retried<T>(
    attempt: (note: (endpoint: string) => void) => Promise<RunResult<T>>,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    const started = performance.now();
    let attempts = 0;
    let endpoint: string | undefined;
    try {
      const note = (at: string) => {
        endpoint = at;
      };
      const result = await retry(
        (n) => {
          attempts = n;
          return attempt(note).then(runValue);
        },
        {
          policy: this.#options.retryPolicy,
          signal,
          budget: this.#retryBudget,
          onRetry: (info: RetryInfo) =>
            this.#publish({
              type: "operation.retried",
              ts: Date.now(),
              attempt: info.attempt,
              delayMs: info.delayMs,
              error: asError(info.error),
              endpoint,
            }),
        },
      );
      this.#publish({
        type: "operation.succeeded",
        ts: Date.now(),
        attempts,
        durationMs: performance.now() - started,
        endpoint,
      });
      return result;
    } catch (error) {
      this.#publish({
        type: "operation.failed",
        ts: Date.now(),
        attempts,
        durationMs: performance.now() - started,
        error: asError(error),
        endpoint,
      });
      throw error;
    }
  }

  /** An attempt's outcome, told to its endpoint's breaker. */
  record(endpoint: string, error: unknown): void {
    // A call past its deadline says that its caller stopped waiting, not that the endpoint failed (a
    // slow query with a short timeoutMs would open the breaker for every caller). Whether the endpoint
    // still answers is decided by checking the connection: the shared socket is pinged, a leased
    // connection is replaced, and those checks' failures count.
    if (isOperationTimeoutError(error)) return;
    // Calls failed by one socket's drop are one failure of the endpoint, not one per call.
    if (error !== undefined && !this.#failures.first(error)) return;
    const endpoints = this.#pool.endpoints;
    const at = endpoints.length === 1 ? endpoints[0] : endpoints.find((e) => e.endpoint === endpoint);
    if (at?.endpoint === endpoint) at.record(error);
  }
}

function runValue<T>(run: RunResult<T>): T {
  return run.value;
}

/** Checks `executeWithRetry`'s arguments; `call` names the method in the errors (the pool's or a user's). */
export function parseExecuteArguments(
  call: string,
  fn: unknown,
  options: ExecuteOptions | undefined,
): { signal: AbortSignal | undefined; timeoutMs: number | undefined } {
  requiredFunction(`${call}(fn)`, fn);
  const o = optionsObject<ExecuteOptions>(`${call}(fn, options)`, options);
  return {
    signal: optionalSignal(`${call}(fn, options).signal`, o.signal),
    timeoutMs: optionalDuration(`${call}(fn, options).timeoutMs`, o.timeoutMs),
  };
}
