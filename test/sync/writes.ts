import type { ConnectionManager } from "../../src/manager/ConnectionManager.js";

/**
 * `count` single-record commits (each its own change-feed entry) into `table`, `workers` at a time:
 * more than one read of the feed (1 000 entries) so a pass ships several batches.
 */
export async function writeMany(
  manager: ConnectionManager,
  table: string,
  count: number,
  options: { workers?: number; offset?: number; tag?: string } = {},
): Promise<void> {
  let next = 0;
  const { workers = 8, offset = 0, tag = "w" } = options;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < count) {
        const i = offset + next++;
        await manager.executeWithRetry((db) =>
          db.query("UPSERT type::record($table, $i) SET n = $i, tag = $tag", { table, i, tag }),
        );
      }
    }),
  );
}
