import type { SurrealSession } from "surrealdb";
import { timeOfVersionstamp, toVersionstamp } from "../surreal/feed/versionstamp.js";
import { SYNC_STATE_TABLE } from "./syncedTables.js";

/**
 * Each remote's acknowledged point, kept IN THE LOCAL STORE (`_sync_state`, one record per remote
 * URL): every change up to that versionstamp is on that remote. A restarted process resumes from it,
 * and a remote that was down catches up from its own point. Written only after the remote committed
 * the batch, so the stored point never runs ahead of the remote (a crash in between re-ships a batch,
 * which changes nothing).
 */
export async function loadAcks(db: SurrealSession): Promise<Map<string, bigint>> {
  const acks = new Map<string, bigint>();
  // Defined here, once, before several remotes store their points at the same moment: the first writes
  // to a table that does not exist yet race to create it, and all but one fail with a conflict.
  const [, rows] = await db.query<[unknown, Array<{ remote?: unknown; acked?: unknown }>]>(
    `DEFINE TABLE IF NOT EXISTS ${SYNC_STATE_TABLE} SCHEMALESS; SELECT remote, acked FROM ${SYNC_STATE_TABLE}`,
  );
  for (const row of rows ?? []) {
    if (typeof row.remote === "string") acks.set(row.remote, toVersionstamp(row.acked));
  }
  return acks;
}

export async function saveAck(db: SurrealSession, remote: string, acked: bigint): Promise<void> {
  await db.query(
    `UPSERT type::record($table, $remote) CONTENT { remote: $remote, acked: $acked, ackedAt: <datetime> $ackedAt, updatedAt: time::now() }`,
    {
      table: SYNC_STATE_TABLE,
      remote,
      // As a decimal string: versionstamps exceed JavaScript's safe integers.
      acked: acked.toString(),
      ackedAt: new Date(timeOfVersionstamp(acked)).toISOString(),
    },
  );
}
