import { isTransient } from "../errors/classifyError.js";
import type { PoolEvent } from "../events/PoolEvent.js";
import type { PooledDb } from "../surreal/Connector.js";
import { asError } from "../util/asError.js";
import { type LeaseRunner, runOnLease } from "./runOnLease.js";

export interface HedgeOptions {
  /** Aborts both attempts' acquires. A query already running is not cancelled (SurrealDB cannot). */
  signal?: AbortSignal;
  /** Start the hedge once the first attempt is slower than this quantile of recent calls. Default 0.95. */
  percentile?: number;
  /** Deadline of each attempt, waiting for a connection included, ms. Default none. */
  timeoutMs?: number;
  /** Never hedge sooner than this, ms. Default 2. */
  minDelayMs?: number;
  /** Hedge delay until 20 latencies have been seen, ms. Default 50. */
  initialDelayMs?: number;
}

/** Recent call latencies (a ring of the last 256) for the hedge delay. */
export class LatencyTracker {
  readonly #ring = new Float64Array(256);
  #count = 0;

  observe(ms: number): void {
    this.#ring[this.#count++ % this.#ring.length] = ms;
  }

  /** The q-quantile of the recent latencies, or undefined with fewer than 20 samples. */
  quantile(q: number): number | undefined {
    const n = Math.min(this.#count, this.#ring.length);
    if (n < 20) return undefined;
    const sorted = Array.from(this.#ring.subarray(0, n)).sort((a, b) => a - b);
    return sorted[Math.min(n - 1, Math.floor(q * n))];
  }
}

interface HedgeDeps {
  runner: LeaseRunner;
  latency: LatencyTracker;
  publish: (event: PoolEvent) => void;
}

/**
 * Runs `fn`; if it has not answered after the hedge delay (or failed transiently), runs it once more
 * on a connection of another endpoint, and settles with whichever answers first. At most two
 * attempts, each through `runOnLease` (deadline, outcome, release or discard): both leases always
 * return, and a connection that failed at connection level is discarded.
 */
export function hedge<T>(fn: (db: PooledDb) => Promise<T>, options: HedgeOptions & HedgeDeps): Promise<T> {
  const { signal, timeoutMs, latency, percentile = 0.95, minDelayMs = 2, initialDelayMs = 50 } = options;
  const delayMs = Math.max(minDelayMs, latency.quantile(percentile) ?? initialDelayMs);
  const started = performance.now();

  return new Promise<T>((resolve, reject) => {
    let settled = false;
    let hedged = false;
    let running = 0;
    let firstEndpoint: string | undefined;
    const timer = setTimeout(() => startHedge(), delayMs);

    function attempt(avoid: string[]) {
      running++;
      runOnLease(options.runner, fn, {
        signal,
        timeoutMs,
        avoidEndpoints: avoid,
        onLease: (lease) => {
          firstEndpoint ??= lease.endpoint;
        },
      }).then((result) => {
        // Only the winner's time is "recent latency": a loser finishing late would drag the hedge
        // delay up to the slow path's and hedging would stop helping.
        if (!settled) latency.observe(result.durationMs);
        win(result.value, result.endpoint);
      }, lose);
    }

    function startHedge() {
      if (settled || hedged) return;
      hedged = true;
      options.publish({
        type: "operation.hedged",
        ts: Date.now(),
        delayMs: performance.now() - started,
        endpoint: firstEndpoint,
      });
      attempt(firstEndpoint ? [firstEndpoint] : []);
    }

    function win(value: T, endpoint: string) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.publish({
        type: "operation.succeeded",
        ts: Date.now(),
        attempts: hedged ? 2 : 1,
        durationMs: performance.now() - started,
        endpoint,
      });
      resolve(value);
    }

    function lose(error: unknown) {
      running--;
      if (settled) return;
      // A transient failure before the hedge fired: hedge right away instead of waiting.
      if (!hedged && isTransient(error) && !signal?.aborted) {
        startHedge();
        return;
      }
      if (running > 0) return; // the other attempt may still answer
      settled = true;
      clearTimeout(timer);
      const err = asError(error);
      options.publish({
        type: "operation.failed",
        ts: Date.now(),
        attempts: hedged ? 2 : 1,
        durationMs: performance.now() - started,
        error: err,
        endpoint: firstEndpoint,
      });
      reject(error);
    }

    attempt([]);
  });
}
