import type { SurrealSession } from "surrealdb";
import { parseDurationMs } from "./duration.js";

/** A table's change feed, as its definitions declare it. */
export interface TableFeed {
  /** How long changes are kept, ms (the longer of the table's and its database's feeds). */
  retentionMs: number;
  /**
   * The feed records the version each write replaced (`INCLUDE ORIGINAL`), so an entry tells a create
   * from an update. The database's feed decides when it has one (the engine prefers it to the table's).
   */
  originals: boolean;
}

/**
 * A table's change feed (its own `DEFINE TABLE .. CHANGEFEED`, or its database's); undefined when
 * neither records it. `SHOW CHANGES` on a table without a feed answers an empty list, not an error
 * (measured on 3.0.2), so an empty read cannot tell "no writes" from "no feed": the definitions are read.
 */
export async function feedOf(db: SurrealSession, table: string): Promise<TableFeed | undefined> {
  const [dbInfo, nsInfo] =
    await db.query<[{ tables?: Record<string, string> }, { databases?: Record<string, string> }]>(
      "INFO FOR DB; INFO FOR NS",
    );
  const own = feedIn(dbInfo?.tables?.[table]);
  const shared = feedIn(db.database === undefined ? undefined : nsInfo?.databases?.[db.database]);
  if (!own && !shared) return undefined;
  return {
    retentionMs: Math.max(own?.retentionMs ?? 0, shared?.retentionMs ?? 0),
    originals: (shared ?? own)!.originals,
  };
}

function feedIn(definition: string | undefined): TableFeed | undefined {
  const clause = definition && /\bCHANGEFEED\s+([0-9a-zµ]+)(\s+INCLUDE\s+ORIGINAL)?/i.exec(definition);
  const retentionMs = clause ? parseDurationMs(clause[1]!) : undefined;
  return retentionMs === undefined ? undefined : { retentionMs, originals: clause?.[2] !== undefined };
}
