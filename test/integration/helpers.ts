import { ConnectionManager, type ConnectionManagerOptions, type PoolEvent } from "../../src/index.js";

type PoolOverrides = NonNullable<ConnectionManagerOptions["pool"]>;

/** A manager on a fresh embedded mem:// engine with small, quick settings. */
export function createManager(
  pool: PoolOverrides = {},
  options: Omit<ConnectionManagerOptions, "pool"> = {},
) {
  return ConnectionManager.create({
    namespace: "it_ns",
    database: "it_db",
    ...options,
    pool: {
      minConnections: 1,
      maxConnections: 5,
      connectionTimeoutMs: 5_000,
      validationTimeoutMs: 2_000,
      healthCheckIntervalMs: 60_000,
      retryPolicy: { maxAttempts: 3, initialBackoffMs: 5, maxBackoffMs: 20, multiplier: 2 },
      ...pool,
    },
  });
}

/** Records every event from now on. */
export function record(manager: ConnectionManager): PoolEvent[] {
  const events: PoolEvent[] = [];
  manager.events$.subscribe((e) => events.push(e));
  return events;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The first result of a query (the SDK returns one result per statement). */
export async function first<T = unknown>(
  db: { query(sql: string, vars?: Record<string, unknown>): unknown },
  sql: string,
) {
  const results = (await (db.query(sql) as Promise<unknown[]>)) as T[];
  return results[0];
}
