import type { Surreal } from "surrealdb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/config/resolveConfig.js";
import { ensureChangeFeed, readChanges } from "../../src/surreal/feed/changeFeed.js";
import { HybridSync } from "../../src/sync/HybridSync.js";
import type { EndpointHandle } from "../support/endpoint.js";
import { client, closeQuietly, contents, hybridOptions, startEndpoints } from "./helpers.js";
import { type LocalEndpoint, startLocalEndpoint } from "./localEndpoint.js";

// The database-level change feed's LIMIT counts per-table entries, so a read can stop in the middle of a
// commit that wrote several tables. These tests hold the reader and the sync to whole commits, with
// limits small enough that almost every read is cut.
describe("change feed reads: whole commits only", () => {
  let local: LocalEndpoint;
  let remote: EndpointHandle;
  let db: Surreal;

  beforeAll(async () => {
    [local, [remote!]] = await Promise.all([startLocalEndpoint(), startEndpoints([{}])]);
    db = await client(local.url);
    await ensureChangeFeed(db, "sync_db");
    for (let i = 0; i < 6; i++) {
      await db.query(`BEGIN; CREATE a:${i}; CREATE b:${i}; CREATE c:${i}; COMMIT;`);
      await db.query(`CREATE a:${i + 100}`);
    }
  });

  afterAll(async () => {
    if (db) await closeQuietly(db);
    await Promise.all([local?.stop(), remote?.stop()]);
  });

  it("a read cut by its limit ends before the commit it cut, and reading on from there misses nothing", async () => {
    const first = await readChanges(db, 0n, 1);
    expect(first.truncated).toBe(true);
    expect(first.entries).toHaveLength(1);
    expect(first.entries[0]!.changes.map((c) => (c.kind === "update" ? String(c.record.id) : ""))).toEqual([
      "a:0",
      "b:0",
      "c:0",
    ]);
    const seen: string[] = [];
    for (let since = 0n; ; ) {
      const read = await readChanges(db, since, 2);
      for (const entry of read.entries) {
        for (const change of entry.changes) if (change.kind === "update") seen.push(String(change.record.id));
      }
      if (!read.truncated) break;
      since = read.entries[read.entries.length - 1]!.versionstamp + 1n;
    }
    expect(seen.sort()).toEqual(
      Array.from({ length: 6 }, (_, i) => [`a:${i}`, `b:${i}`, `c:${i}`, `a:${i + 100}`])
        .flat()
        .sort(),
    );
  });

  it("a sync with a tiny batch limit ships every multi-table commit whole", async () => {
    const config = resolveConfig(hybridOptions(local.url, [remote.url]));
    const sync = new HybridSync({ config, publish: () => {}, tuning: { batchLimit: 2, horizonMs: 0 } });
    await sync.start();
    try {
      const report = await sync.syncNow();
      expect(report.ok).toBe(true);
      const reader = await client(remote.url);
      try {
        expect(await contents(reader, ["a", "b", "c"])).toEqual(await contents(db, ["a", "b", "c"]));
      } finally {
        await closeQuietly(reader);
      }
    } finally {
      sync.setDeadline(performance.now() + 2_000);
      await sync.finish();
    }
  });
});
