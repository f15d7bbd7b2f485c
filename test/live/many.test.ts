// 1,000 subscriptions on 2 connections: each gets every change; unsubscribing kills on the server (the
// server lists no live query of it afterwards, and no notification follows).
import { afterAll, describe, expect, it } from "vitest";
import { ConnectionManager } from "../../src/manager/ConnectionManager.js";
import { Collected, EventRecorder, livesOn, waitFor } from "./helpers.js";

const N = 1_000;

describe("many subscriptions", () => {
  let manager: ConnectionManager | undefined;
  afterAll(async () => {
    await manager?.shutdown({ timeoutMs: 5_000 });
  });

  it(`runs ${N} subscriptions on 2 connections, and kills each on unsubscribe`, async () => {
    manager = await ConnectionManager.create({
      mode: { kind: "local", endpoint: "mem://" },
      namespace: "test",
      database: "many",
      pool: { minConnections: 1, maxConnections: 2 },
      live: { subscriptionsPerConnection: N / 2, connectionsPerEndpoint: 2 },
    });
    const m = manager;
    const events = new EventRecorder(m);
    await m.executeWithRetry((db) => db.query("DEFINE TABLE many"));
    const subs = Array.from({ length: N }, () => new Collected(m.live("many")));
    await waitFor(
      () => events.of("live.subscribed").length === N,
      () => `${events.of("live.subscribed").length} of ${N} subscribed`,
      { timeoutMs: 30_000 },
    );
    const live = m.healthStatus().live!;
    expect(live.subscriptions).toBe(N);
    expect(live.connections.map((c) => c.subscriptions)).toEqual([N / 2, N / 2]);
    // Never leased: the pool's own connections are unaffected.
    expect(m.healthStatus().inUse).toBe(0);
    expect(await livesOn(m, "many")).toBe(N);

    await m.executeWithRetry((db) => db.query("CREATE many:1"));
    await waitFor(() => subs.every((s) => s.items.length === 1), "every subscriber got the create", {
      timeoutMs: 20_000,
    });

    const gone = subs.slice(0, N / 2);
    for (const s of gone) s.subscription.unsubscribe();
    await waitFor(() => events.of("live.killed").length === N / 2, "half killed", { timeoutMs: 20_000 });
    expect(await livesOn(m, "many")).toBe(N / 2);
    await m.executeWithRetry((db) => db.query("UPDATE many:1 SET n = 1"));
    await waitFor(() => subs.slice(N / 2).every((s) => s.items.length === 2), "the rest got the update", {
      timeoutMs: 20_000,
    });
    expect(gone.every((s) => s.items.length === 1)).toBe(true);
    expect(m.metrics().snapshot().liveSubscriptions).toBe(N / 2);
  }, 90_000);
});
