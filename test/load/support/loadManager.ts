import { ConnectionManager, type ConnectionManagerOptions } from "../../../src/index.js";

export type PoolOverrides = NonNullable<ConnectionManagerOptions["pool"]>;

/**
 * A manager on a fresh embedded mem:// engine, sized for load: no background health checks or
 * validate-before-lease pings unless a scenario asks (they would blur what it counts), short retry
 * backoff so retries do not dominate the run, and acquire deadlines far above any expected wait.
 */
export function createLoadManager(
  pool: PoolOverrides = {},
  options: Omit<ConnectionManagerOptions, "pool"> = {},
): Promise<ConnectionManager> {
  return ConnectionManager.create({
    namespace: "load",
    database: "load",
    ...options,
    pool: {
      minConnections: 2,
      maxConnections: 10,
      connectionTimeoutMs: 15_000,
      validationTimeoutMs: 2_000,
      healthCheckIntervalMs: 600_000,
      validateAfterIdleMs: 600_000,
      ...pool,
      retryPolicy: {
        maxAttempts: 3,
        initialBackoffMs: 2,
        maxBackoffMs: 20,
        multiplier: 2,
        ...pool.retryPolicy,
      },
    },
  });
}
