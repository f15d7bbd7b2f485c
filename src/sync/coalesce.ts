import type { RecordId } from "surrealdb";
import type { FeedEntry, FeedRecord } from "../surreal/feed/changeFeed.js";

/** What one batch does on a remote: whole records to upsert and ids to delete, each id once. */
export interface Batch {
  upserts: FeedRecord[];
  deletes: RecordId[];
}

/**
 * Folds feed entries (in versionstamp order) into one batch: for each record id only its last change
 * counts, the record as it was after that commit, or its deletion. Applying the batch is idempotent
 * (UPSERT with the whole content, DELETE by id), so a batch replayed after a crash changes nothing,
 * and the remote ends with what the local store had at the batch's last commit: last writer wins, in
 * the local store's commit order.
 */
export function coalesce(entries: readonly FeedEntry[], isSynced: (table: string) => boolean): Batch {
  const last = new Map<string, { record?: FeedRecord; id: RecordId }>();
  for (const entry of entries) {
    for (const change of entry.changes) {
      const id = change.kind === "update" ? change.record.id : change.id;
      if (!isSynced(id.table.name)) continue;
      const key = id.toString();
      // Delete and re-insert so the map's order is the order of each id's last change.
      last.delete(key);
      last.set(key, change.kind === "update" ? { record: change.record, id } : { id });
    }
  }
  const batch: Batch = { upserts: [], deletes: [] };
  for (const { record, id } of last.values()) {
    if (record) batch.upserts.push(record);
    else batch.deletes.push(id);
  }
  return batch;
}

/** Record changes in a batch. */
export function batchSize(batch: Batch): number {
  return batch.upserts.length + batch.deletes.length;
}
