import type { Surreal } from "surrealdb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PoolEvent } from "../../src/events/PoolEvent.js";
import type { ConnectionManager } from "../../src/manager/ConnectionManager.js";
import { foldMetrics } from "../../src/observers/metrics.js";
import type { EndpointHandle } from "../support/endpoint.js";
import { startFaultProxy } from "../support/faultProxy.js";
import { client, closeQuietly, contents, createHybrid, eventually, startEndpoints } from "./helpers.js";
import { type LocalEndpoint, startLocalEndpoint } from "./localEndpoint.js";

// A hybrid manager whose local store is a loopback endpoint (see helpers.ts for why not in-process),
// shipping to two remotes. Tests drive the sync with syncNow(); the interval is 10 minutes.
describe("hybrid mode: local writes reach every remote", () => {
  let local: LocalEndpoint;
  let remotes: EndpointHandle[];
  let manager: ConnectionManager;
  let readers: Surreal[];
  let localReader: Surreal;
  const events: PoolEvent[] = [];

  beforeAll(async () => {
    [local, remotes] = await Promise.all([startLocalEndpoint(), startEndpoints([{}, {}])]);
    manager = await createHybrid(
      local.url,
      remotes.map((r) => r.url),
    );
    manager.events$.subscribe((e) => events.push(e));
    readers = await Promise.all(remotes.map((r) => client(r.url)));
    localReader = await client(local.url);
  });

  afterAll(async () => {
    await manager?.shutdown({ timeoutMs: 2_000 }).catch(() => undefined);
    await Promise.all([...(readers ?? []), localReader].map((db) => db && closeQuietly(db)));
    await Promise.all([local, ...(remotes ?? [])].map((e) => e?.stop()));
  });

  it("creates, updates and deletes made locally appear on every remote exactly", async () => {
    await manager.executeWithRetry((db) =>
      db.query(`
        CREATE note:1 SET title = 'one', tags = ['a'];
        CREATE note:2 SET title = 'two';
        CREATE note:3 SET title = 'three', nested = { deep: { n: 3 } };
        UPDATE note:1 SET title = 'one, edited', tags += 'b';
        UPDATE note:3 UNSET nested;
        DELETE note:2;
        CREATE person:alice SET name = 'Alice', at = d'2024-05-01T10:00:00Z', friend = person:bob;
        CREATE person:bob SET name = 'Bob';
      `),
    );
    const report = await manager.syncNow();
    expect(report.ok).toBe(true);
    expect(report.remotes.map((r) => r.remote)).toEqual(remotes.map((r) => r.url));
    const expected = await contents(localReader, ["note", "person"]);
    expect(expected.note).toHaveLength(2);
    for (const reader of readers) expect(await contents(reader, ["note", "person"])).toEqual(expected);
  });

  it("syncNow() reports what each remote received, and a second call ships nothing twice", async () => {
    await manager.executeWithRetry((db) =>
      db.query("CREATE note:10 SET n = 1; CREATE note:11 SET n = 2; DELETE note:1; UPDATE note:10 SET n = 3"),
    );
    const first = await manager.syncNow();
    for (const remote of first.remotes) {
      expect(remote).toMatchObject({ ok: true, records: 3, batches: 1 }); // note:10 once, its last state
    }
    const again = await manager.syncNow();
    for (const remote of again.remotes) expect(remote).toMatchObject({ ok: true, records: 0, batches: 0 });
    const expected = await contents(localReader, ["note"]);
    for (const reader of readers) expect(await contents(reader, ["note"])).toEqual(expected);
  });

  it("tables created later are synced; the sync's own state table is not", async () => {
    await manager.executeWithRetry((db) => db.query("CREATE later:x SET v = 'new table'"));
    await manager.syncNow();
    for (const reader of readers) {
      expect(await contents(reader, ["later"])).toEqual({ later: [{ id: "later:x", v: "new table" }] });
      await expect(reader.query("SELECT * FROM _sync_state")).rejects.toThrow(/does not exist/);
    }
    const [state] = await localReader.query<[Array<{ remote: string; acked: string }>]>(
      "SELECT remote, acked FROM _sync_state ORDER BY remote",
    );
    expect(state.map((s) => s.remote).sort()).toEqual(remotes.map((r) => r.url).sort());
    for (const s of state) expect(s.acked).toMatch(/^\d+$/);
  });

  it("health and metrics show each remote's sync, and the metrics are a fold of the events", async () => {
    const failures = events.flatMap((e) => (e.type === "sync.failed" ? [e.error.message] : []));
    expect(failures).toEqual([]);
    const health = manager.healthStatus();
    expect(health.sync?.healthy).toBe(true);
    expect(health.sync?.remotes).toHaveLength(2);
    for (const remote of health.sync!.remotes) {
      expect(remote).toMatchObject({ state: "idle", healthy: true, lagRecords: 0, lagMs: 0, failures: 0 });
      expect(remote.recordsShipped).toBeGreaterThanOrEqual(9);
      expect(remote.lastSuccessAt).toBeGreaterThan(0);
    }
    const snapshot = manager.metrics().snapshot();
    const folded = foldMetrics(events);
    for (const remote of remotes) {
      const live = snapshot.syncRemotes[remote.url]!;
      expect(live.recordsShipped).toBe(
        health.sync!.remotes.find((r) => r.remote === remote.url)!.recordsShipped,
      );
      // The fold of what this test saw (it subscribed after create) counts the same passes' records.
      expect(folded.syncRemotes[remote.url]!.lastSuccessAt).toBe(live.lastSuccessAt);
    }
    expect(snapshot.syncFailures).toBe(0);
    expect(events.some((e) => e.type === "sync.batch")).toBe(true);
  });
});

describe("hybrid mode: narrowing with `tables`", () => {
  it("ships only the listed tables", async () => {
    const [local, [remote]] = await Promise.all([startLocalEndpoint(), startEndpoints([{}])]);
    const manager = await createHybrid(local.url, [remote!.url], { tables: ["keep"] });
    const reader = await client(remote!.url);
    try {
      await manager.executeWithRetry((db) => db.query("CREATE keep:1 SET v = 1; CREATE skip:1 SET v = 1"));
      const report = await manager.syncNow();
      expect(report.remotes[0]).toMatchObject({ ok: true, records: 1 });
      expect(await contents(reader, ["keep", "skip"])).toEqual({ keep: [{ id: "keep:1", v: 1 }], skip: [] });
    } finally {
      await manager.shutdown({ timeoutMs: 2_000 });
      await closeQuietly(reader);
      await Promise.all([local.stop(), remote!.stop()]);
    }
  });
});

describe("hybrid mode: shutdown", () => {
  it("runs a final sync and reports what a down remote did not receive", async () => {
    const [local, [up, down]] = await Promise.all([startLocalEndpoint(), startEndpoints([{}, {}])]);
    const manager = await createHybrid(local.url, [up!.url, down!.url], { connectionTimeoutMs: 1_000 });
    const reader = await client(up!.url);
    try {
      await manager.syncNow();
      await down!.kill();
      await manager.executeWithRetry((db) => db.query("CREATE last:1 SET v = 1; CREATE last:2 SET v = 2"));
      const started = performance.now();
      const report = await manager.shutdown({ timeoutMs: 5_000 });
      expect(performance.now() - started).toBeLessThan(5_500);
      // The final sync shipped the last writes to the remote that is up...
      expect(await contents(reader, ["last"])).toEqual({
        last: [
          { id: "last:1", v: 1 },
          { id: "last:2", v: 2 },
        ],
      });
      // ...and says what the other one is missing, and why.
      expect(report.unsynced).toEqual([
        expect.objectContaining({
          remote: down!.url,
          records: 2,
          more: false,
          resumable: true,
          reason: expect.stringMatching(/ECONNREFUSED/),
        }),
      ]);
      expect(manager.healthStatus().sync?.remotes.map((r) => r.state)).toEqual(["stopped", "stopped"]);
      await expect(manager.syncNow()).resolves.toMatchObject({ ok: false });
    } finally {
      await manager.shutdown();
      await closeQuietly(reader);
      await Promise.all([local.stop(), up!.stop(), down!.stop()]);
    }
  });
});

describe("hybrid mode: the interval", () => {
  it("ships on its own every syncIntervalMs, and retries a failing remote with backoff until it is back", async () => {
    const [local, [remote]] = await Promise.all([startLocalEndpoint(), startEndpoints([{}])]);
    const proxy = await startFaultProxy({ target: remote! });
    const manager = await createHybrid(local.url, [proxy.url], {
      syncIntervalMs: 300,
      connectionTimeoutMs: 1_000,
    });
    const reader = await client(remote!.url);
    const failures: PoolEvent[] = [];
    manager.events$.subscribe((e) => e.type === "sync.failed" && failures.push(e));
    try {
      await manager.executeWithRetry((db) => db.query("CREATE tick:1 SET v = 1"));
      await eventually(async () =>
        expect(await contents(reader, ["tick"])).toEqual({ tick: [{ id: "tick:1", v: 1 }] }),
      );

      proxy.setMode("reset");
      await manager.executeWithRetry((db) => db.query("CREATE tick:2 SET v = 2"));
      await eventually(() => expect(failures.length).toBeGreaterThan(0));
      expect(manager.healthStatus().sync?.remotes[0]).toMatchObject({ healthy: false, state: "backingOff" });
      proxy.setMode("pass");
      await eventually(async () => expect((await contents(reader, ["tick"])).tick).toHaveLength(2));
      await eventually(() => expect(manager.healthStatus().sync?.remotes[0]?.healthy).toBe(true));
    } finally {
      await manager.shutdown({ timeoutMs: 2_000 });
      await closeQuietly(reader);
      await proxy.close(500);
      await Promise.all([local.stop(), remote!.stop()]);
    }
  });
});
