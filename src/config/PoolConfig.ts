import { DEFAULT_SESSIONS_PER_ENDPOINT, DEFAULT_SOCKETS_PER_ENDPOINT } from "./limits.js";
import type { PoolOptions } from "./options.js";

/**
 * The seed's three recommended pool configurations. Each call returns a fresh object, so callers
 * may spread and override: `pool: { ...PoolConfig.production(), maxConnections: 80 }`.
 */
export const PoolConfig = {
  /** Small and quick to fail: a laptop or a CI job. */
  development(): PoolOptions {
    return {
      ...base(),
      minConnections: 2,
      maxConnections: 10,
      connectionTimeoutMs: 5_000,
      connectTimeoutMs: 5_000,
      idleTimeoutMs: 60_000,
      maxLifetimeMs: 300_000,
      retryPolicy: { maxAttempts: 3, initialBackoffMs: 100, maxBackoffMs: 5_000, multiplier: 2 },
    };
  },
  /** The seed's production values. */
  production(): PoolOptions {
    return {
      ...base(),
      minConnections: 10,
      maxConnections: 50,
      connectionTimeoutMs: 30_000,
      idleTimeoutMs: 300_000,
      maxLifetimeMs: 1_800_000,
      retryPolicy: { maxAttempts: 5, initialBackoffMs: 100, maxBackoffMs: 30_000, multiplier: 2 },
    };
  },
  /** Many connections, short waits, long lifetimes. */
  highThroughput(): PoolOptions {
    return {
      ...base(),
      minConnections: 20,
      maxConnections: 100,
      connectionTimeoutMs: 10_000,
      idleTimeoutMs: 180_000,
      maxLifetimeMs: 3_600_000,
      retryPolicy: { maxAttempts: 3, initialBackoffMs: 50, maxBackoffMs: 10_000, multiplier: 2 },
    };
  },
} as const;

function base(): PoolOptions {
  return {
    minConnections: 5,
    maxConnections: 20,
    connectionTimeoutMs: 30_000,
    connectTimeoutMs: 10_000,
    queryTimeoutMs: 60_000,
    idleTimeoutMs: 300_000,
    maxLifetimeMs: 1_800_000,
    warmConnections: true,
    healthCheckIntervalMs: 30_000,
    retryPolicy: { maxAttempts: 3, initialBackoffMs: 100, maxBackoffMs: 10_000, multiplier: 2 },
    leakDetectionThresholdMs: null,
    maxUses: null,
    maxWaitingClients: null,
    validateAfterIdleMs: 5_000,
    validationTimeoutMs: 5_000,
    socketsPerEndpoint: DEFAULT_SOCKETS_PER_ENDPOINT,
    maxSessionsPerEndpoint: DEFAULT_SESSIONS_PER_ENDPOINT,
    allowExitOnIdle: false,
  };
}
