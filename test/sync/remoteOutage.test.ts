import type { Surreal } from "surrealdb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PoolEvent } from "../../src/events/PoolEvent.js";
import type { ConnectionManager } from "../../src/manager/ConnectionManager.js";
import type { EndpointHandle } from "../support/endpoint.js";
import { client, closeQuietly, contents, createHybrid, startEndpoints, tempDir } from "./helpers.js";
import { type LocalEndpoint, startLocalEndpoint } from "./localEndpoint.js";
import { writeMany } from "./writes.js";

// The primary remote keeps its data on disk (surrealkv://) so that a SIGKILL and restart on the same port
// brings it back with what it had; the backup is in memory. The local store is a loopback endpoint.
describe("hybrid mode: a remote killed during a sync", () => {
  const store = tempDir();
  let local: LocalEndpoint;
  let primary: EndpointHandle;
  let backup: EndpointHandle;
  let manager: ConnectionManager;
  let localReader: Surreal;
  const events: PoolEvent[] = [];

  beforeAll(async () => {
    let remotes: EndpointHandle[];
    [local, remotes] = await Promise.all([
      startLocalEndpoint(),
      startEndpoints([{ store: `surrealkv://${store.dir}` }, {}]),
    ]);
    [primary, backup] = remotes as [EndpointHandle, EndpointHandle];
    // Each remote request is bounded by connectionTimeoutMs: generous, so a 1 000-record batch on a loaded
    // machine is not mistaken for an outage of the backup.
    manager = await createHybrid(local.url, [primary.url, backup.url], { connectionTimeoutMs: 6_000 });
    manager.events$.subscribe((e) => events.push(e));
    localReader = await client(local.url);
  });

  afterAll(async () => {
    await manager?.shutdown({ timeoutMs: 2_000 }).catch(() => undefined);
    if (localReader) await closeQuietly(localReader);
    await Promise.all([local, primary, backup].map((e) => e?.stop()));
    store.remove();
  });

  it("the backup keeps receiving; the primary catches up when it returns; both end identical to local", async () => {
    await manager.syncNow();
    // Several batches' worth (1 000 commits a batch), so the primary dies between two of them.
    await writeMany(manager, "item", 2_500);
    await manager.executeWithRetry((db) =>
      db.query("DELETE item:3; DELETE item:7; UPDATE item:5 SET n = -5"),
    );
    let killed: Promise<void> | undefined;
    const subscription = manager.events$.subscribe((e) => {
      if (e.type === "sync.batch" && e.remote === primary.url && !killed) killed = primary.kill();
    });
    const during = await manager.syncNow();
    subscription.unsubscribe();
    await killed;
    const [primaryResult, backupResult] = during.remotes;
    expect(backupResult).toMatchObject({ ok: true });
    expect(primaryResult!.ok).toBe(false);
    expect(primaryResult!.error?.message).toBeTruthy();

    // The primary is down: writes go on locally and still reach the backup.
    await manager.executeWithRetry((db) => db.query("CREATE item:9001 SET n = 9001; DELETE item:11"));
    const whileDown = await manager.syncNow();
    expect(whileDown.remotes[1]).toMatchObject({ ok: true, records: 2 });
    expect(whileDown.remotes[0]).toMatchObject({ ok: false });
    expect(manager.healthStatus().sync?.remotes[0]).toMatchObject({ healthy: false, state: "backingOff" });
    expect(manager.healthStatus().sync!.remotes[0]!.lagRecords).toBeGreaterThan(0);

    await primary.restart();
    const after = await manager.syncNow();
    expect(after.ok).toBe(true);

    const expected = await contents(localReader, ["item"]);
    expect(expected.item).toHaveLength(2_500 - 3 + 1);
    for (const endpoint of [primary, backup]) {
      const reader = await client(endpoint.url);
      try {
        const got = await contents(reader, ["item"]);
        expect(got.item).toHaveLength(expected.item!.length); // no duplicates, nothing missing
        expect(got).toEqual(expected);
      } finally {
        await closeQuietly(reader);
      }
    }
    const failures = events.filter((e) => e.type === "sync.failed" && e.remote === primary.url);
    expect(failures.length).toBeGreaterThan(0);
    expect(events.some((e) => e.type === "sync.failed" && e.remote === backup.url)).toBe(false);
  });
});
