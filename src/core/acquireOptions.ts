import type { PoolOptions } from "../config/options.js";
import { ArgumentError } from "../errors/ArgumentError.js";
import {
  describe,
  optionalDuration,
  optionalName,
  optionalSignal,
  optionsObject,
} from "../util/arguments.js";

export interface AcquireOptions {
  /** Aborting it rejects a waiting acquire with `AcquireAbortedError`. */
  signal?: AbortSignal;
  /** Overrides `pool.connectionTimeoutMs` (how long to wait for a connection) for this call. */
  timeoutMs?: number;
  /** Overrides `pool.queryTimeoutMs` (the deadline of each call through `lease.db`) for this lease. */
  queryTimeoutMs?: number;
  /** Hand the lease out switched to this namespace (switched back on return). */
  namespace?: string;
  /** Hand the lease out switched to this database (switched back on return). */
  database?: string;
  /** Prefer endpoints other than these when another can serve (hedged requests use it). */
  avoidEndpoints?: readonly string[];
}

/** Acquire options checked and completed with the pool's defaults. */
export interface AcquireRequest {
  signal: AbortSignal | undefined;
  timeoutMs: number;
  queryTimeoutMs: number | undefined;
  namespace: string | undefined;
  database: string | undefined;
  avoidEndpoints: readonly string[] | undefined;
}

/** Checks `acquire(options)` before anything changes; throws `ArgumentError` naming the bad field. */
export function parseAcquireOptions(options: unknown, pool: PoolOptions): AcquireRequest {
  const o = optionsObject<AcquireOptions>("acquire(options)", options);
  const avoid = o.avoidEndpoints;
  if (avoid !== undefined && (!Array.isArray(avoid) || avoid.some((e) => typeof e !== "string"))) {
    throw new ArgumentError(
      "acquire(options).avoidEndpoints",
      `must be an array of endpoint URLs, got ${describe(avoid)}`,
    );
  }
  return {
    signal: optionalSignal("acquire(options).signal", o.signal),
    timeoutMs: optionalDuration("acquire(options).timeoutMs", o.timeoutMs) ?? pool.connectionTimeoutMs,
    queryTimeoutMs:
      optionalDuration("acquire(options).queryTimeoutMs", o.queryTimeoutMs) ??
      pool.queryTimeoutMs ??
      undefined,
    namespace: optionalName("acquire(options).namespace", o.namespace),
    database: optionalName("acquire(options).database", o.database),
    avoidEndpoints: avoid,
  };
}
