// A live query a borrower starts on a lease is killed when the lease returns: the connection's next
// borrower never receives the previous borrower's notifications (embedded and ws://).
import { Table } from "surrealdb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ConnectionManagerOptions } from "../../src/config/options.js";
import { ConnectionManager } from "../../src/manager/ConnectionManager.js";
import { type EndpointHandle, startEndpoint } from "../support/endpoint.js";
import { EventRecorder, ROOT, sleep, waitFor } from "./helpers.js";

let endpoint: EndpointHandle;
beforeAll(async () => {
  endpoint = await startEndpoint();
}, 20_000);
afterAll(async () => {
  await endpoint?.stop();
});

const modes: [string, () => ConnectionManagerOptions][] = [
  ["embedded", () => ({ mode: { kind: "local", endpoint: "mem://" } })],
  ["ws://", () => ({ mode: { kind: "local", endpoint: endpoint.url }, credentials: ROOT })],
];

describe.each(modes)("a lease's own live queries (%s)", (_name, options) => {
  async function create(): Promise<ConnectionManager> {
    return ConnectionManager.create({
      ...options(),
      namespace: "test",
      database: `lease_${Math.random().toString(36).slice(2, 8)}`,
      // One connection: the next borrower gets the same one.
      pool: { minConnections: 1, maxConnections: 1 },
    });
  }

  it("kills db.live() at release, with an event; the next borrower on that connection gets none of its notifications", async () => {
    const manager = await create();
    try {
      const events = new EventRecorder(manager);
      const first = await manager.acquire();
      await first.db.query("DEFINE TABLE x");
      const heard: unknown[] = [];
      const live = await first.db.live(new Table("x"));
      live.subscribe((m) => heard.push(m));
      await first.db.query("CREATE x:1");
      await waitFor(() => heard.length === 1, "the borrower's own notification");
      const connectionId = first.connectionId;
      await first.release();

      const second = await manager.acquire();
      expect(second.connectionId).toBe(connectionId);
      await second.db.query("CREATE x:2; UPDATE x:1 SET n = 1");
      // Bounded: a notification would arrive within milliseconds of the write.
      await sleep(200);
      expect(heard).toHaveLength(1);
      const [info] = await second.db.query<[{ lives: Record<string, string> }]>("INFO FOR TABLE x");
      expect(Object.keys(info.lives)).toHaveLength(0);
      expect(events.of("live.killed")).toMatchObject([{ reason: "lease", connectionId, count: 1 }]);
      await second.release();
      expect(manager.metrics().snapshot().liveLeaseKills).toBe(1);
    } finally {
      await manager.shutdown({ timeoutMs: 2_000 });
    }
  });

  it("gives the connection up when LIVE SELECT text ran through query() (its ids are unknown, closing kills them)", async () => {
    const manager = await create();
    try {
      const events = new EventRecorder(manager);
      const first = await manager.acquire();
      await first.db.query("DEFINE TABLE y; LIVE SELECT * FROM y");
      const connectionId = first.connectionId;
      await first.release();
      expect(events.of("live.killed")).toMatchObject([{ reason: "lease", connectionId }]);
      await waitFor(
        () => events.of("connection.closed").some((e) => e.connectionId === connectionId),
        "closed",
      );
      const second = await manager.acquire();
      expect(second.connectionId).not.toBe(connectionId);
      await second.release();
    } finally {
      await manager.shutdown({ timeoutMs: 2_000 });
    }
  });

  it("leaves a lease without live queries alone (no kill, the connection is returned)", async () => {
    const manager = await create();
    try {
      const events = new EventRecorder(manager);
      const lease = await manager.acquire();
      await lease.db.query("RETURN 'no live here'");
      const id = lease.connectionId;
      await lease.release();
      const again = await manager.acquire();
      expect(again.connectionId).toBe(id);
      await again.release();
      expect(events.of("live.killed")).toHaveLength(0);
    } finally {
      await manager.shutdown({ timeoutMs: 2_000 });
    }
  });
});
