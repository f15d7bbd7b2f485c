import type { SurrealSession } from "surrealdb";
import { parseDurationMs } from "../sync/duration.js";

/**
 * How long a table's changes are kept in a change feed (its own `DEFINE TABLE .. CHANGEFEED`, or its
 * database's), in ms; undefined when neither records it. `SHOW CHANGES` on a table without a feed
 * answers an empty list, not an error (measured on 3.0.2), so an empty read cannot tell "no writes"
 * from "no feed": the definitions are read instead.
 */
export async function feedRetentionMs(db: SurrealSession, table: string): Promise<number | undefined> {
  const [dbInfo, nsInfo] =
    await db.query<[{ tables?: Record<string, string> }, { databases?: Record<string, string> }]>(
      "INFO FOR DB; INFO FOR NS",
    );
  const own = retentionIn(dbInfo?.tables?.[table]);
  const database = db.database === undefined ? undefined : nsInfo?.databases?.[db.database];
  const shared = retentionIn(database);
  if (own === undefined) return shared;
  return shared === undefined ? own : Math.max(own, shared);
}

function retentionIn(definition: string | undefined): number | undefined {
  const duration = definition && /\bCHANGEFEED\s+([0-9a-zµ]+)/i.exec(definition)?.[1];
  return duration ? parseDurationMs(duration) : undefined;
}
