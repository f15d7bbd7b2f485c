// live.feedPollMs: on a change-feed table the feed is read on a timer as well as on each notification, so a
// change whose notification never comes (the engine drops some under load; a node of a multi-node cluster
// hears only its own writes) still arrives. The endpoint here sends no notification at all.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConnectionManager } from "../../src/manager/ConnectionManager.js";
import { type EndpointHandle, startEndpoint } from "../support/endpoint.js";
import { Collected, EventRecorder, ROOT, sleep, waitFor } from "./helpers.js";

let endpoint: EndpointHandle;
beforeAll(async () => {
  endpoint = await startEndpoint({ dropNotifications: true });
}, 20_000);
afterAll(async () => {
  await endpoint?.stop();
});

async function subscribeAndWrite(feedPollMs: number, table: string) {
  const manager = await ConnectionManager.create({
    mode: { kind: "local", endpoint: endpoint.url },
    credentials: ROOT,
    namespace: "test",
    database: "feedpoll",
    pool: { minConnections: 1, maxConnections: 2 },
    live: { feedPollMs },
  });
  const events = new EventRecorder(manager);
  await manager.executeWithRetry((db) => db.query(`DEFINE TABLE ${table} CHANGEFEED 1h`));
  const got = new Collected(manager.live(table));
  await waitFor(
    () => events.of("live.subscribed").length === 1,
    () => `subscribed: ${String(got.error)} ${events.events.map((e) => e.type).join(",")}`,
  );
  await manager.executeWithRetry((db) =>
    db.query(`CREATE ${table}:1 SET n = 1; CREATE ${table}:2 SET n = 1; UPDATE ${table}:1 SET n = 2`),
  );
  return { manager, events, got };
}

describe("live.feedPollMs", () => {
  it("delivers the changes of a fed table whose notifications never come, within the poll interval", async () => {
    const { manager, events, got } = await subscribeAndWrite(200, "polled");
    try {
      const wrote = performance.now();
      await waitFor(
        () => got.items.length >= 3,
        () => `3 changes, got ${got.changes().join(", ")}`,
      );
      expect(performance.now() - wrote).toBeLessThan(5_000); // a few polls, where a minute-long poll delivers nothing (below)
      // In commit order, once each; without its notification a create reads as an update (README).
      expect(got.changes()).toEqual(["update polled:1", "update polled:2", "update polled:1"]);
      expect(got.items.map((n) => (n.kind === "gap" ? undefined : n.record))).toEqual([
        expect.objectContaining({ n: 1 }),
        expect.objectContaining({ n: 1 }),
        expect.objectContaining({ n: 2 }),
      ]);
      await sleep(600); // three more polls: nothing delivered twice
      expect(got.items).toHaveLength(3);
      expect(events.of("live.lost")).toHaveLength(0);
    } finally {
      events.stop();
      got.subscription.unsubscribe();
      await manager.shutdown({ timeoutMs: 2_000 });
    }
  });

  it("is what delivered them: with a poll of a minute nothing arrives in that time", async () => {
    const { manager, events, got } = await subscribeAndWrite(60_000, "unpolled");
    try {
      await sleep(1_500);
      expect(got.items).toHaveLength(0);
      expect(got.error).toBeUndefined();
    } finally {
      events.stop();
      got.subscription.unsubscribe();
      await manager.shutdown({ timeoutMs: 2_000 });
    }
  });
});
