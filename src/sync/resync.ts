import type { RecordId } from "surrealdb";
import type { FeedRecord } from "../surreal/feed/changeFeed.js";
import type { LocalStore } from "./LocalStore.js";
import type { RemoteLink } from "./RemoteLink.js";
import { SyncError } from "./SyncError.js";

export interface ResyncOptions {
  local: LocalStore;
  link: RemoteLink;
  isSynced: (table: string) => boolean;
  /** `initial`: copy only. `expired`: copy, then delete the remote's records that are gone locally. */
  reason: "initial" | "expired";
  pageSize: number;
  signal: AbortSignal;
  /** Told of each page applied on the remote. */
  onPage?: (records: number) => void;
}

export interface ResyncResult {
  tables: number;
  records: number;
  deleted: number;
}

/**
 * Brings a remote in line from the local tables themselves, for what the change feed cannot give:
 * records written before the feed existed (first contact) or changes the feed no longer holds (the
 * remote's point is older than its retention). The caller replays the feed from a point taken BEFORE
 * this starts, so writes made meanwhile are shipped again afterwards, in order (idempotent).
 *
 * Pages by record id (`WHERE id > $after ORDER BY id`), not by offset: a record deleted meanwhile
 * cannot shift a page and make an unchanged record be skipped.
 */
export async function resync(options: ResyncOptions): Promise<ResyncResult> {
  const { local, link, pageSize, signal } = options;
  const tables = (await listTables(local)).filter(options.isSynced);
  const result: ResyncResult = { tables: tables.length, records: 0, deleted: 0 };
  for (const table of tables) {
    for (let after: RecordId | undefined; ; ) {
      const page = await local
        .run("reading a snapshot page", async (db) => {
          const [rows] = await db.query<[FeedRecord[]]>(
            `SELECT * FROM type::table($table) ${after ? "WHERE id > $after " : ""}ORDER BY id LIMIT $limit`,
            { table, after, limit: pageSize },
          );
          return rows ?? [];
        })
        .catch((error: unknown) => (isNotFound(error) ? [] : Promise.reject(localError(link.remote, error))));
      if (page.length > 0) {
        await link.apply({ upserts: page, deletes: [] }, signal);
        result.records += page.length;
        options.onPage?.(page.length);
      }
      if (page.length < pageSize) break;
      after = page[page.length - 1]!.id;
    }
    if (options.reason === "expired") result.deleted += await deleteGone(options, table);
  }
  return result;
}

/** Deletes the remote's records of `table` that no longer exist locally. */
async function deleteGone(options: ResyncOptions, table: string): Promise<number> {
  const { local, link, pageSize, signal } = options;
  let deleted = 0;
  for (let after: RecordId | undefined; ; ) {
    const ids = await link
      .run("apply", "listing remote ids", signal, async (db) => {
        const [rows] = await db.query<[RecordId[]]>(
          `SELECT VALUE id FROM type::table($table) ${after ? "WHERE id > $after " : ""}ORDER BY id LIMIT $limit`,
          { table, after, limit: pageSize },
        );
        return rows ?? [];
      })
      .catch((error: unknown) => {
        if (isNotFound((error as { cause?: unknown }).cause)) return [] as RecordId[];
        throw error;
      });
    if (ids.length === 0) break;
    const present = await local
      .run("checking ids", async (db) => {
        const [rows] = await db.query<[Array<RecordId | undefined>]>("SELECT VALUE id FROM $ids", { ids });
        return new Set((rows ?? []).filter((id) => id !== undefined && id !== null).map(String));
      })
      .catch((error: unknown) => Promise.reject(localError(link.remote, error)));
    const gone = ids.filter((id) => !present.has(String(id)));
    if (gone.length > 0) {
      await link.apply({ upserts: [], deletes: gone }, signal);
      deleted += gone.length;
    }
    if (ids.length < pageSize) break;
    after = ids[ids.length - 1];
  }
  return deleted;
}

/** The database's tables, as `INFO FOR DB` lists them. */
export async function listTables(local: LocalStore): Promise<string[]> {
  const info = await local.run("listing tables", async (db) => {
    const [result] = await db.query<[{ tables?: Record<string, unknown> }]>("INFO FOR DB");
    return result;
  });
  return Object.keys(info?.tables ?? {}).sort();
}

function isNotFound(error: unknown): boolean {
  return (error as { kind?: unknown })?.kind === "NotFound";
}

function localError(remote: string, error: unknown): SyncError {
  return new SyncError(
    remote,
    "local",
    `reading the local store failed: ${String((error as Error)?.message ?? error)}`,
    {
      cause: error,
    },
  );
}
