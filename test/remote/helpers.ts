// Shared pieces of the remote-mode tests: real SurrealDB endpoints on 127.0.0.1 (child processes), a
// ConnectionManager over them with short timeouts, an event recorder, and bounded waiting.
import type { Subscription } from "rxjs";
import type { ConnectionManagerOptions, LoadBalancingStrategy } from "../../src/config/options.js";
import type { PoolEvent, PoolEventOf, PoolEventType } from "../../src/events/PoolEvent.js";
import type { ConnectionManager } from "../../src/manager/ConnectionManager.js";
import { type EndpointHandle, startEndpoint } from "../support/endpoint.js";
import type { FaultProxy } from "../support/faultProxy.js";

export const ROOT = { username: "root", password: "root" };

/** Starts `n` endpoints in parallel; if one fails to start, the others are stopped before rethrowing. */
export async function startEndpoints(n: number): Promise<EndpointHandle[]> {
  const results = await Promise.allSettled(Array.from({ length: n }, () => startEndpoint()));
  const started = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) {
    await Promise.all(started.map((e) => e.stop()));
    throw failed.reason;
  }
  return started;
}

/** Stops everything a test started, whatever state it is in; never throws. */
export async function closeAll(
  manager: ConnectionManager | undefined,
  proxies: readonly (FaultProxy | undefined)[],
  endpoints: readonly (EndpointHandle | undefined)[],
): Promise<void> {
  await manager?.shutdown({ timeoutMs: 1_000 }).catch(() => undefined);
  await Promise.all(proxies.map((p) => p?.close(500).catch(() => undefined)));
  await Promise.all(endpoints.map((e) => e?.stop().catch(() => undefined)));
}

export interface RemoteOverrides {
  loadBalancing?: LoadBalancingStrategy;
  pool?: ConnectionManagerOptions["pool"];
  circuitBreaker?: ConnectionManagerOptions["circuitBreaker"];
  credentials?: ConnectionManagerOptions["credentials"];
}

/** Remote-mode options with short, test-sized timeouts; `pool` and `circuitBreaker` are merged. */
export function remoteOptions(
  endpoints: string[],
  overrides: RemoteOverrides = {},
): ConnectionManagerOptions {
  return {
    mode: { kind: "remote", endpoints, loadBalancing: overrides.loadBalancing ?? "round-robin" },
    credentials: overrides.credentials ?? ROOT,
    namespace: "test",
    database: "test",
    pool: {
      minConnections: endpoints.length,
      maxConnections: endpoints.length * 2,
      connectionTimeoutMs: 10_000, // generous: tests about connect deadlines set their own
      // A loopback connect takes milliseconds; one that hangs (an endpoint still booting) is given up
      // soon, so a half-open breaker's probe is not held for long.
      connectTimeoutMs: 2_000,
      idleTimeoutMs: null,
      maxLifetimeMs: null,
      warmConnections: true,
      healthCheckIntervalMs: 600_000,
      validateAfterIdleMs: 600_000,
      validationTimeoutMs: 500,
      ...overrides.pool,
      retryPolicy: {
        maxAttempts: 5,
        initialBackoffMs: 20,
        maxBackoffMs: 200,
        multiplier: 2,
        ...overrides.pool?.retryPolicy,
      },
    },
    circuitBreaker: { failureThreshold: 3, resetTimeoutMs: 400, ...overrides.circuitBreaker },
  };
}

/** Every event of a manager from now on, with helpers to count and filter them. */
export class EventRecorder {
  readonly events: PoolEvent[] = [];
  readonly #subscription: Subscription;

  constructor(manager: ConnectionManager) {
    this.#subscription = manager.events$.subscribe((e) => this.events.push(e));
  }

  of<T extends PoolEventType>(type: T, since = 0): PoolEventOf<T>[] {
    const out: PoolEventOf<T>[] = [];
    for (let i = since; i < this.events.length; i++) {
      const e = this.events[i]!;
      if (e.type === type) out.push(e as PoolEventOf<T>);
    }
    return out;
  }

  /** lease.acquired events per endpoint, counted from event index `since`. */
  leasesByEndpoint(since = 0): Map<string, number> {
    const counts = new Map<string, number>();
    for (const e of this.of("lease.acquired", since))
      counts.set(e.endpoint, (counts.get(e.endpoint) ?? 0) + 1);
    return counts;
  }

  /** The index the next event will get: a bookmark for `since`. */
  get mark(): number {
    return this.events.length;
  }

  stop(): void {
    this.#subscription.unsubscribe();
  }
}

/** Polls `predicate` every `intervalMs` until it holds; rejects with `message` after `timeoutMs`. */
export async function waitFor(
  predicate: () => boolean,
  message: string | (() => string),
  { timeoutMs = 8_000, intervalMs = 20 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (predicate()) return performance.now() - started;
    if (performance.now() - started > timeoutMs) {
      throw new Error(
        `timed out after ${timeoutMs} ms: ${typeof message === "function" ? message() : message}`,
      );
    }
    await sleep(intervalMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Settles with the promise's outcome, or "timeout" after `ms` (the promise is left to settle later). */
export function settleWithin<T>(
  promise: Promise<T>,
  ms: number,
): Promise<{ ok: true; value: T } | { ok: false; error: unknown } | "timeout"> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    ),
    new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Runs `workers` loops of `task` until `stop()` (or `maxMs`), collecting every failure. Bounded. */
export function runLoad(
  workers: number,
  task: () => Promise<unknown>,
  { maxMs = 30_000, pauseMs = 2 }: { maxMs?: number; pauseMs?: number } = {},
) {
  let stopped = false;
  const deadline = performance.now() + maxMs;
  const failures: unknown[] = [];
  let successes = 0;
  const loops = Array.from({ length: workers }, async () => {
    while (!stopped && performance.now() < deadline) {
      try {
        await task();
        successes++;
      } catch (error) {
        failures.push(error);
      }
      if (pauseMs > 0) await sleep(pauseMs);
    }
  });
  return {
    failures,
    get successes() {
      return successes;
    },
    /** Stops the loops and waits for the calls in flight (each bounded by the pool's own deadlines). */
    async stop(): Promise<void> {
      stopped = true;
      await Promise.all(loops);
    },
  };
}
