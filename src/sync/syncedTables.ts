/** Tables of the sync itself start with this; they are never shipped. */
export const INTERNAL_TABLE_PREFIX = "_sync_";
/** Each remote's acknowledged point, in the local store (one record per remote URL). */
export const SYNC_STATE_TABLE = "_sync_state";

/**
 * Which tables ship: every table of the database (tables created later included), or only `tables`
 * when given; never the sync's own tables.
 */
export function tableFilter(tables?: readonly string[]): (table: string) => boolean {
  const only = tables ? new Set(tables) : undefined;
  return (table) => !table.startsWith(INTERNAL_TABLE_PREFIX) && (only === undefined || only.has(table));
}
