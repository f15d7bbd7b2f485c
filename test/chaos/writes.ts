// The nemesis workers' write, and how the checker reads what was written.
//
// Each operation (worker w, sequence s) is idempotent: it UPSERTs the record op:[w, s] with a value
// derived from (w, s), so running it twice leaves one record. In the same transaction it CREATEs one row
// in `applied` naming the attempt that ran it. A retry after an ambiguous failure (the answer was lost,
// the write may have committed) adds a row for the next attempt: harmless, and counted as "ambiguous".
// The same attempt applied twice would be a duplicate: the same request executed twice (the SDK's own
// re-send after a reconnect does that), which the pool must never cause.
import type { PooledDb } from "../../src/index.js";

export const NS = "chaos";
export const DB = "chaos";

/** Run once, before the workers start (many sockets defining tables implicitly would conflict). */
export const SETUP =
  "DEFINE TABLE IF NOT EXISTS op SCHEMALESS; DEFINE TABLE IF NOT EXISTS applied SCHEMALESS;";

const WRITE = `BEGIN TRANSACTION;
UPSERT type::record('op', [$w, $s]) SET w = $w, s = $s, v = $v;
CREATE applied SET w = $w, s = $s, attempt = $a;
COMMIT TRANSACTION;`;

/** What op (w, s) writes: checked on read, so a record with the wrong value counts as lost. */
export function opValue(w: number, s: number): string {
  return `v${w}-${s}-${(w * 2_654_435_761 + s * 40_503) % 1_000_003}`;
}

export function writeOp(db: PooledDb, w: number, s: number, attempt: number): Promise<unknown> {
  return db.query(WRITE, { w, s, v: opValue(w, s), a: attempt });
}

export interface StoredOp {
  w: number;
  s: number;
  v: string;
}
export interface AppliedRow {
  w: number;
  s: number;
  attempt: number;
}

export const READ_OPS = "SELECT w, s, v FROM op";
export const READ_APPLIED = "SELECT w, s, attempt FROM applied";

/** What the hybrid writer's item (w, s) holds (test/chaos/hybridWriter.ts). */
export const itemValue = (w: number, s: number): string => `item-${w}-${s}`;
