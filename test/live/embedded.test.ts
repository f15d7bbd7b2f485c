// manager.live() on the embedded engine: typed notifications in commit order, kill on unsubscribe and on
// abort, bad input refused before anything runs.
import { firstValueFrom, take, toArray } from "rxjs";
import { afterEach, describe, expect, it } from "vitest";
import { isArgumentError } from "../../src/errors/ArgumentError.js";
import { isLiveError } from "../../src/live/LiveError.js";
import { ConnectionManager } from "../../src/manager/ConnectionManager.js";
import { Collected, EventRecorder, livesOn, sleep, waitFor } from "./helpers.js";

let manager: ConnectionManager | undefined;
afterEach(async () => {
  await manager?.shutdown({ timeoutMs: 2_000 });
  manager = undefined;
});

function create(): Promise<ConnectionManager> {
  return ConnectionManager.create({
    mode: { kind: "local", endpoint: "mem://" },
    namespace: "test",
    database: "test",
    pool: { minConnections: 1, maxConnections: 4 },
  });
}

async function write(m: ConnectionManager, text: string): Promise<void> {
  await m.executeWithRetry((db) => db.query(text));
}

describe("manager.live() embedded", () => {
  it("delivers create, update and delete once each, and kills the live query on unsubscribe", async () => {
    manager = await create();
    const events = new EventRecorder(manager);
    await write(manager, "DEFINE TABLE person");
    const got = new Collected(manager.live("person"));
    await waitFor(() => events.of("live.subscribed").length === 1, "subscribed");
    expect(manager.healthStatus().live).toMatchObject({ subscriptions: 1, recovering: 0 });
    expect(manager.healthStatus().live?.connections).toHaveLength(1);
    await write(manager, "CREATE person:1 SET age = 5");
    await write(manager, "UPDATE person:1 SET age = 6");
    await write(manager, "DELETE person:1");
    await waitFor(
      () => got.items.length === 3,
      () => `3 notifications, got ${got.changes().join(", ")}`,
    );
    // Each once. Not asserted: their order. SurrealDB 3.0.2's embedded engine was seen (about 1 run in 7,
    // under CPU load) to emit an update's notification before the create's that committed first; the
    // pool passes notifications on in the order the engine sends them (README "Live queries").
    expect([...got.changes()].sort()).toEqual(["create person:1", "delete person:1", "update person:1"]);
    expect(await livesOn(manager, "person")).toBe(1);
    expect(got.items.find((n) => n.kind === "update")).toMatchObject({ record: { age: 6 } });
    // Leases never saw the live connection: it is not in the pool.
    expect(manager.healthStatus().poolSize).toBeLessThanOrEqual(4);

    got.subscription.unsubscribe();
    await waitFor(() => events.of("live.killed").length === 1, "killed");
    expect(events.of("live.killed")[0]).toMatchObject({ reason: "unsubscribed" });
    expect(await livesOn(manager, "person")).toBe(0);
    await write(manager, "CREATE person:2 SET age = 1");
    await sleep(100);
    expect(got.items).toHaveLength(3);
    expect(manager.healthStatus().live).toMatchObject({ subscriptions: 0, connections: [] });
    const snapshot = manager.metrics().snapshot();
    expect(snapshot.liveSubscriptions).toBe(0);
    expect(snapshot.liveNotifications).toBe(3);
  });

  it("takes a where condition with vars, the diff form, and LIVE SELECT text", async () => {
    manager = await create();
    const events = new EventRecorder(manager);
    await write(manager, "DEFINE TABLE item");
    const filtered = new Collected(manager.live("item", { where: "n > $min", vars: { min: 1 } }));
    const diffs = new Collected(manager.live("item", { diff: true }));
    const text = new Collected(manager.live("LIVE SELECT * FROM item WHERE n = 3"));
    await waitFor(() => events.of("live.subscribed").length === 3, "3 registered");
    for (const n of [1, 2, 3]) await write(manager, `CREATE item:${n} SET n = ${n}`);
    await waitFor(
      () => filtered.items.length === 2 && diffs.items.length === 3 && text.items.length === 1,
      "all",
    );
    // Sorted: without a change feed the order is the engine's, not always commit order (README).
    expect([...filtered.changes()].sort()).toEqual(["create item:2", "create item:3"]);
    expect(text.changes()).toEqual(["create item:3"]);
    const first = diffs.items[0];
    expect(first?.kind === "create" && Array.isArray(first.diff) && first.record === undefined).toBe(true);
  });

  it("kills on abort of its signal and completes the stream", async () => {
    manager = await create();
    const events = new EventRecorder(manager);
    await write(manager, "DEFINE TABLE t");
    const abort = new AbortController();
    const got = new Collected(manager.live("t", { signal: abort.signal }));
    await waitFor(() => events.of("live.subscribed").length === 1, "subscribed");
    abort.abort();
    await waitFor(() => events.of("live.killed").length === 1, "killed");
    expect(events.of("live.killed")[0]?.reason).toBe("aborted");
    expect(got.completed).toBe(true);
  });

  it("refuses bad arguments with ArgumentError before anything runs", async () => {
    manager = await create();
    const events = new EventRecorder(manager);
    const bad: [unknown, unknown][] = [
      ["", undefined],
      ["no spaces allowed", undefined],
      [42, undefined],
      ["person", { bufferSize: 0 }],
      ["person", { diff: "yes" }],
      ["person", { signal: {} }],
      ["LIVE SELECT * FROM person", { where: "a = 1" }],
      ["person", "options"],
    ];
    for (const [target, options] of bad) {
      let thrown: unknown;
      try {
        manager.live(target as string, options as never);
      } catch (error) {
        thrown = error;
      }
      expect(isArgumentError(thrown), `live(${String(target)}, ${JSON.stringify(options)})`).toBe(true);
    }
    expect(events.events).toHaveLength(0);
    expect(manager.healthStatus().live?.subscriptions).toBe(0);
  });

  it("errors the stream with LiveError register when the LIVE SELECT itself fails (no retry of a query error)", async () => {
    manager = await create();
    const got = new Collected(manager.live("missing_table"));
    await waitFor(() => got.error !== undefined, "register error");
    expect(isLiveError(got.error) && got.error.failure === "register").toBe(true);
    expect(String((got.error as Error).message)).toMatch(/missing_table/);
  });

  it("completes every stream at shutdown", async () => {
    manager = await create();
    await write(manager, "DEFINE TABLE s");
    const got = new Collected(manager.live("s"));
    await waitFor(
      () =>
        manager!.healthStatus().live?.subscriptions === 1 &&
        manager!.healthStatus().live?.connections.length === 1,
      "registered",
    );
    await manager.shutdown({ timeoutMs: 2_000 });
    expect(got.completed).toBe(true);
    manager = undefined;
  });

  it("is cold: each subscriber gets its own live query", async () => {
    manager = await create();
    const events = new EventRecorder(manager);
    await write(manager, "DEFINE TABLE c");
    const stream = manager.live("c");
    const a = firstValueFrom(stream.pipe(take(1), toArray()));
    const b = firstValueFrom(stream.pipe(take(1), toArray()));
    await waitFor(() => events.of("live.subscribed").length === 2, "2 registered");
    await write(manager, "CREATE c:1");
    expect((await a).map((n) => n.kind)).toEqual(["create"]);
    expect((await b).map((n) => n.kind)).toEqual(["create"]);
  });
});
