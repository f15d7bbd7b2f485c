import type { PoolLease, SessionPool } from "./SessionPool.js";

/** Runs `work` on a lease switched to `where`, and always gives the lease back. */
export async function withLease<T>(
  pool: SessionPool,
  where: { namespace: string; database: string },
  work: (lease: PoolLease) => Promise<T>,
): Promise<T> {
  const lease = await pool.acquire({ namespace: where.namespace, database: where.database });
  try {
    return await work(lease);
  } finally {
    await lease.release();
  }
}
