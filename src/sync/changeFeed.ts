import { escapeIdent, type RecordId, type SurrealSession } from "surrealdb";
import { parseDurationMs } from "./duration.js";
import { toVersionstamp } from "./versionstamp.js";

/**
 * The local store's change feed: the source of what hybrid mode ships.
 *
 * Why a change feed and not an outbox table: a database-level feed (`DEFINE DATABASE .. CHANGEFEED`)
 * records every committed write of every table, tables created later included, in the same commit as
 * the write, ordered by versionstamp; it needs no trigger per table (an outbox filled by `DEFINE EVENT`
 * would miss a new table's first writes, add the sync's work to every user transaction, and fail the
 * user's write when the outbox write fails). Its limit is retention: entries older than the feed's
 * duration are dropped, so a remote that falls further behind is re-synced from a snapshot instead.
 */

/** How long the feed keeps changes when hybrid mode defines it. */
export const CHANGEFEED_RETENTION = "1d";

/** One record change: an update carries the whole record after the write; a delete only its id. */
export type FeedRecord = Record<string, unknown> & { id: RecordId };
export type FeedChange = { kind: "update"; record: FeedRecord } | { kind: "delete"; id: RecordId };

/** All changes of one commit, in commit order. */
export interface FeedEntry {
  versionstamp: bigint;
  changes: FeedChange[];
}

export interface FeedRead {
  entries: FeedEntry[];
  /** The local store's clock (epoch ms), read just before the feed. */
  now: number;
}

/**
 * Makes sure the database records a change feed, and returns its retention. An existing feed is left
 * as it is (its duration is used); otherwise the database is redefined with one, which keeps its
 * tables and records (measured on 3.0.2) but would drop other clauses of a custom database definition.
 */
export async function ensureChangeFeed(db: SurrealSession, database: string): Promise<number> {
  const [info] = await db.query<[{ databases?: Record<string, string> }]>("INFO FOR NS");
  const definition = info?.databases?.[database] ?? "";
  const existing = /\bCHANGEFEED\s+([0-9a-zµ]+)/i.exec(definition)?.[1];
  const retention = existing ? parseDurationMs(existing) : undefined;
  if (retention !== undefined) return retention;
  await db.query(`DEFINE DATABASE OVERWRITE ${escapeIdent(database)} CHANGEFEED ${CHANGEFEED_RETENTION}`);
  return parseDurationMs(CHANGEFEED_RETENTION)!;
}

/**
 * Reads up to `limit` commits from versionstamp `since` (inclusive) onward. The clock is read first,
 * in the same request, so every commit older than `now` minus a margin is visible to this read.
 */
export async function readChanges(db: SurrealSession, since: bigint, limit: number): Promise<FeedRead> {
  // SHOW CHANGES takes no parameters for SINCE/LIMIT; both are our own integers, never user input.
  const [now, raw] = await db.query<[{ toDate(): Date }, unknown[]]>(
    `RETURN time::now(); SHOW CHANGES FOR DATABASE SINCE ${since.toString()} LIMIT ${Math.floor(limit)}`,
  );
  return { now: now.toDate().getTime(), entries: (raw ?? []).map(toEntry) };
}

/** The local store's clock (epoch ms). */
export async function localNow(db: SurrealSession): Promise<number> {
  const [now] = await db.query<[{ toDate(): Date }]>("RETURN time::now()");
  return now.toDate().getTime();
}

function toEntry(raw: unknown): FeedEntry {
  const entry = raw as { versionstamp: unknown; changes?: unknown[] };
  const changes: FeedChange[] = [];
  for (const change of entry.changes ?? []) {
    const c = change as { update?: FeedRecord; delete?: { id: RecordId } };
    if (c.update?.id) changes.push({ kind: "update", record: c.update });
    else if (c.delete?.id) changes.push({ kind: "delete", id: c.delete.id });
    // Other kinds (table definitions) carry no record data and are not shipped.
  }
  return { versionstamp: toVersionstamp(entry.versionstamp), changes };
}
