import { RecordId } from "surrealdb";
import { describe, expect, it } from "vitest";
import type { FeedEntry } from "../../src/surreal/feed/changeFeed.js";
import { batchSize, coalesce } from "../../src/sync/coalesce.js";
import { tableFilter } from "../../src/sync/syncedTables.js";

const id = (table: string, key: string | number) => new RecordId(table, key);
const update = (table: string, key: string | number, fields: Record<string, unknown>) => ({
  kind: "update" as const,
  record: { id: id(table, key), ...fields },
  replaced: false,
});
const del = (table: string, key: string | number) => ({ kind: "delete" as const, id: id(table, key) });
const entry = (vs: number, ...changes: FeedEntry["changes"]): FeedEntry => ({
  versionstamp: BigInt(vs),
  changes,
});

describe("coalesce", () => {
  it("keeps only each record's last change, in the order of those last changes", () => {
    const batch = coalesce(
      [
        entry(1, update("note", 1, { v: 1 }), update("note", 2, { v: 1 })),
        entry(2, update("note", 1, { v: 2 })),
        entry(3, del("note", 2)),
        entry(4, update("note", 3, { v: 1 })),
        entry(5, del("note", 3), update("note", 2, { v: 9 })),
      ],
      tableFilter(),
    );
    expect(batch.upserts.map((r) => [String(r.id), r.v])).toEqual([
      ["note:1", 2],
      ["note:2", 9],
    ]);
    expect(batch.deletes.map(String)).toEqual(["note:3"]);
    expect(batchSize(batch)).toBe(3);
  });

  it("leaves out the sync's own tables and, with `tables`, every other table", () => {
    const entries = [entry(1, update("_sync_state", "x", {}), update("keep", 1, {}), update("other", 1, {}))];
    expect(coalesce(entries, tableFilter()).upserts.map((r) => String(r.id))).toEqual(["keep:1", "other:1"]);
    expect(coalesce(entries, tableFilter(["keep"])).upserts.map((r) => String(r.id))).toEqual(["keep:1"]);
  });

  it("tells record ids of different key types and tables apart", () => {
    const batch = coalesce(
      [entry(1, update("t", 1, {}), update("t", "1", {}), update("u", 1, {}))],
      tableFilter(),
    );
    expect(batch.upserts).toHaveLength(3);
  });
});
