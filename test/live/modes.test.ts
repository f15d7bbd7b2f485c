// manager.live() in the other modes: embedded surrealkv://, hybrid (on the local store, whose database
// records a change feed), ws://; a slow subscriber's overflow; and live queries never waiting for a lease.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isLiveError } from "../../src/live/LiveError.js";
import { ConnectionManager } from "../../src/manager/ConnectionManager.js";
import { type EndpointHandle, startEndpoint } from "../support/endpoint.js";
import { hybridOptions } from "../sync/helpers.js";
import { Collected, EventRecorder, expectChanges, ROOT, waitFor } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "surreal-pool-live-modes-"));
let endpoint: EndpointHandle;
beforeAll(async () => {
  endpoint = await startEndpoint();
}, 20_000);
afterAll(async () => {
  await endpoint?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function createUpdateDelete(manager: ConnectionManager, table: string): Promise<Collected> {
  const events = new EventRecorder(manager);
  const got = new Collected(manager.live(table));
  await waitFor(
    () => events.of("live.subscribed").length === 1,
    () =>
      `subscribed: ${String(got.error)} ${JSON.stringify(manager.healthStatus().live)} ${events.events.map((e) => e.type).join(",")}`,
  );
  await manager.executeWithRetry((db) =>
    db.query(`CREATE ${table}:1 SET n = 1; UPDATE ${table}:1 SET n = 2; DELETE ${table}:1`),
  );
  await waitFor(
    () => got.items.length === 3,
    () => `3 notifications, got ${got.changes().join(", ")}`,
  );
  events.stop();
  return got;
}

describe("manager.live() in every mode", () => {
  it("embedded surrealkv://", async () => {
    const manager = await ConnectionManager.create({
      mode: { kind: "local", endpoint: `surrealkv://${join(dir, "kv")}` },
      namespace: "test",
      database: "test",
    });
    try {
      await manager.executeWithRetry((db) => db.query("DEFINE TABLE kv CHANGEFEED 1h"));
      const got = await createUpdateDelete(manager, "kv");
      // A change feed: commit order, actions from the notifications.
      expectChanges(got, ["create kv:1", "update kv:1", "delete kv:1"]);
    } finally {
      await manager.shutdown({ timeoutMs: 2_000 });
    }
  });

  it("hybrid, on the local store (its database feed gives commit order)", async () => {
    const manager = await ConnectionManager.create(hybridOptions("mem://", [endpoint.url]));
    try {
      await manager.executeWithRetry((db) => db.query("DEFINE TABLE hy"));
      const got = await createUpdateDelete(manager, "hy");
      expectChanges(got, ["create hy:1", "update hy:1", "delete hy:1"]);
    } finally {
      await manager.shutdown({ timeoutMs: 3_000 });
    }
  });

  it("ws://, and a live query never waits for a lease: it registers while every pooled connection is held", async () => {
    const manager = await ConnectionManager.create({
      mode: { kind: "local", endpoint: endpoint.url },
      credentials: ROOT,
      namespace: "test",
      database: "modes",
      pool: { minConnections: 1, maxConnections: 1 },
    });
    try {
      const held = await manager.acquire();
      await held.db.query("DEFINE TABLE w CHANGEFEED 1h");
      const events = new EventRecorder(manager);
      const got = new Collected(manager.live("w"));
      await waitFor(
        () => events.of("live.subscribed").length === 1,
        "subscribed while the only lease is held",
      );
      expect(manager.healthStatus()).toMatchObject({ inUse: 1, poolSize: 1 });
      // The live connection has a socket of its own, outside the pool's shared sockets.
      expect(manager.healthStatus().endpoints[0]).toMatchObject({ pooling: "sessions", sockets: 1 });
      expect(events.of("socket.opened")).toHaveLength(0);
      await held.db.query("CREATE w:1; UPDATE w:1 SET n = 1; DELETE w:1");
      await waitFor(() => got.items.length === 3, "3 notifications");
      expectChanges(got, ["create w:1", "update w:1", "delete w:1"]);
      await held.release();
    } finally {
      await manager.shutdown({ timeoutMs: 2_000 });
    }
  });

  it("errors the stream with LiveError overflow when more than bufferSize notifications wait, and kills its live query", async () => {
    const manager = await ConnectionManager.create({
      mode: { kind: "local", endpoint: endpoint.url },
      credentials: ROOT,
      namespace: "test",
      database: "modes",
    });
    try {
      const events = new EventRecorder(manager);
      // With originals the feed gives every action, so the whole commit goes out in one turn (without,
      // the few notifications the engine sends for a transaction's writes let some out a turn earlier).
      await manager.executeWithRetry((db) => db.query("DEFINE TABLE burst CHANGEFEED 1h INCLUDE ORIGINAL"));
      let error: unknown;
      let seen = 0;
      manager.live("burst", { bufferSize: 5 }).subscribe({
        next: () => {
          seen++;
        },
        error: (e) => {
          error = e;
        },
      });
      await waitFor(() => events.of("live.subscribed").length === 1, "subscribed");
      // One commit of 200 creates: read from the change feed at once, 200 notifications wait for the
      // subscriber's next turn, 195 more than it may hold.
      const creates = Array.from({ length: 200 }, (_, i) => `CREATE burst:${i};`).join(" ");
      await manager.executeWithRetry((db) => db.query(`BEGIN; ${creates} COMMIT;`));
      await waitFor(
        () => error !== undefined,
        () => `overflow error (saw ${seen})`,
        { timeoutMs: 15_000 },
      );
      expect(isLiveError(error) && error.failure === "overflow").toBe(true);
      expect(seen).toBeLessThanOrEqual(5);
      await waitFor(() => events.of("live.killed").length === 1, "killed");
      expect(events.of("live.killed")[0]?.reason).toBe("overflow");
    } finally {
      await manager.shutdown({ timeoutMs: 2_000 });
    }
  });
});
