import { runOnLease } from "../operations/runOnLease.js";
import type { PooledDb } from "../surreal/Connector.js";
import type { SessionPool } from "./SessionPool.js";

/**
 * Runs `work` on a lease switched to `where`, through the pool's `runOnLease`: the lease always goes
 * back, and a connection that failed at connection level is given up rather than returned.
 */
export async function withLease<T>(
  pool: SessionPool,
  where: { namespace: string; database: string },
  work: (db: PooledDb) => Promise<T>,
): Promise<T> {
  const run = await runOnLease(
    {
      acquire: (options) =>
        pool.acquire({ signal: options?.signal, namespace: where.namespace, database: where.database }),
      acquireTimeoutMs: pool.config.pool.connectionTimeoutMs ?? 30_000,
      // The durable log's writes say nothing the manager's breakers need: its own calls record those.
      record: () => {},
    },
    work,
  );
  return run.value;
}
