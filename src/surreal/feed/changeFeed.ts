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

/**
 * One record change: an update carries the whole record after the write; a delete only its id.
 * `replaced`: the feed recorded the version the write replaced. A feed defined `INCLUDE ORIGINAL` does
 * that for every write of a record that existed, and not for a create; other feeds never do.
 */
export type FeedRecord = Record<string, unknown> & { id: RecordId };
export type FeedChange =
  | { kind: "update"; record: FeedRecord; replaced: boolean }
  | { kind: "delete"; id: RecordId };

/** All changes of one commit, in commit order. */
export interface FeedEntry {
  versionstamp: bigint;
  changes: FeedChange[];
}

/** One read of a feed, with the store's clock when the read asked for it. */
export interface FeedPage {
  /** Whole commits, in versionstamp order. */
  entries: FeedEntry[];
  /** More commits follow the last one returned (the read hit its limit). */
  truncated: boolean;
  /** The local store's clock (epoch ms), read just before the feed; undefined when not asked for. */
  now: number | undefined;
}

/** A read that also read the store's clock: what moves a reader's horizon (FeedCursor). */
export interface FeedRead extends FeedPage {
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
 * Reads whole commits from versionstamp `since` (inclusive) onward, about `limit` at a time. The clock
 * is read first, in the same request, so every commit older than `now` minus a margin is visible to it.
 *
 * The database-level feed's LIMIT counts (commit, table) pairs, while each returned entry is a whole
 * commit's changes so far, so a read can end in the MIDDLE of a commit that wrote several tables
 * (measured on 3.0.2 after a transaction over tables a, b, c: `LIMIT 1` returns only a's changes,
 * `LIMIT 2` a's and b's). So the pairs are counted (every change of an unknown kind counts as a pair
 * of its own: counting too many is safe), and when the limit was reached the last commit is dropped and
 * read again next time, whole; a single commit over more tables than the limit is read with a larger one.
 */
export function readChanges(
  db: SurrealSession,
  since: bigint,
  limit: number,
  table?: string,
): Promise<FeedRead> {
  return readFeed(db, since, limit, table, true) as Promise<FeedRead>;
}

/**
 * `readChanges`, reading the store's clock only with `clock`: a read that moves no horizon does not
 * need it, and on the embedded engine it is a tenth of a millisecond of every live notification's wait.
 */
export async function readFeed(
  db: SurrealSession,
  since: bigint,
  limit: number,
  table: string | undefined,
  clock: boolean,
): Promise<FeedPage> {
  // `table`: one table's feed (live queries back-fill from it); default the whole database's.
  const feed = table === undefined ? "DATABASE" : `TABLE ${escapeIdent(table)}`;
  for (let size = Math.max(1, Math.floor(limit)); ; size *= 2) {
    // SHOW CHANGES takes no parameters for SINCE/LIMIT; both are our own integers, never user input.
    const show = `SHOW CHANGES FOR ${feed} SINCE ${since.toString()} LIMIT ${size}`;
    const answer = await db.query<unknown[]>(clock ? `RETURN time::now(); ${show}` : show);
    const now = clock ? (answer[0] as { toDate(): Date }).toDate().getTime() : undefined;
    const raw = answer[answer.length - 1] as unknown[] | undefined;
    let pairs = 0;
    const entries: FeedEntry[] = [];
    for (const item of raw ?? []) {
      const { entry, tables } = toEntry(item);
      pairs += tables;
      const last = entries[entries.length - 1];
      if (last && last.versionstamp === entry.versionstamp) last.changes.push(...entry.changes);
      else entries.push(entry);
    }
    if (pairs < size) return { now, entries, truncated: false };
    if (entries.length > 1) return { now, entries: entries.slice(0, -1), truncated: true };
  }
}

/** The local store's clock (epoch ms). */
export async function localNow(db: SurrealSession): Promise<number> {
  const [now] = await db.query<[{ toDate(): Date }]>("RETURN time::now()");
  return now.toDate().getTime();
}

/** One returned entry, and how many (commit, table) pairs of the LIMIT it used. */
function toEntry(raw: unknown): { entry: FeedEntry; tables: number } {
  const item = raw as { versionstamp: unknown; changes?: unknown[] };
  const changes: FeedChange[] = [];
  const tables = new Set<string>();
  let unknown = 0;
  for (const change of item.changes ?? []) {
    const c = change as { update?: FeedRecord; current?: FeedRecord; delete?: { id: RecordId } };
    // A feed defined with INCLUDE ORIGINAL records an update as { current, update: reverse patches }.
    const record = c.current?.id ? c.current : c.update?.id ? c.update : undefined;
    if (record) {
      changes.push({ kind: "update", record, replaced: record === c.current });
      tables.add(record.id.table.name);
    } else if (c.delete?.id) {
      changes.push({ kind: "delete", id: c.delete.id });
      tables.add(c.delete.id.table.name);
    } else {
      unknown++; // other kinds (table definitions) carry no record data and are not shipped
    }
  }
  return {
    entry: { versionstamp: toVersionstamp(item.versionstamp), changes },
    tables: tables.size + unknown,
  };
}
