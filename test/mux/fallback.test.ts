// A server without sessions (SurrealDB 2.x) gets one socket per pooled connection, and says so: in an
// `endpoint.pooling` event and in the health status. Both ways a server can tell: an older version
// (the SDK then never sends `attach`), or a refused `attach`.
import { afterEach, describe, expect, it } from "vitest";
import type { PoolEvent } from "../../src/events/PoolEvent.js";
import { ConnectionManager } from "../../src/manager/ConnectionManager.js";
import { closeAll, waitFor } from "../remote/helpers.js";
import { type EndpointHandle, startEndpoint } from "../support/endpoint.js";
import { endpointHealth, muxOptions } from "./helpers.js";

describe("a server without sessions", () => {
  let endpoint: EndpointHandle | undefined;
  let manager: ConnectionManager | undefined;

  afterEach(async () => {
    await closeAll(manager, [], [endpoint]);
    manager = undefined;
  });

  for (const server of [
    {
      name: "a 2.x version",
      options: { sessions: false, reportVersion: "surrealdb-2.3.7" },
      reason: /2\.3\.7/,
    },
    { name: "a refused attach", options: { sessions: false }, reason: /refused attach/ },
  ]) {
    it(`falls back to one socket per connection (${server.name}) and says so`, async () => {
      endpoint = await startEndpoint(server.options);
      const events: PoolEvent[] = [];
      manager = await ConnectionManager.create({
        ...muxOptions(endpoint.url, { minConnections: 3, maxConnections: 4 }),
        events: (e) => events.push(e),
      });
      const pooling = events.filter((e) => e.type === "endpoint.pooling");
      expect(pooling).toHaveLength(1);
      expect(pooling[0]).toMatchObject({ pooling: "sockets", endpoint: endpoint.url });
      expect((pooling[0] as { reason: string }).reason).toMatch(server.reason);
      await waitFor(() => endpointHealth(manager!).size === 3, "three connections should be open");
      expect(endpointHealth(manager)).toMatchObject({ pooling: "sockets", sockets: 0, size: 3 });
      // Each lease is a whole client of its own socket, isolated as before.
      const [a, b] = await Promise.all([manager.acquire(), manager.acquire()]);
      try {
        expect(a.db).not.toBe(b.db);
        await a.db.set("who", "a");
        const [whoB] = await b.db.query<[unknown]>("RETURN $who");
        expect(whoB).toBeUndefined();
      } finally {
        await Promise.all([a.release(), b.release()]);
      }
      // manager.query() has no shared socket here: it runs on a lease.
      const before = events.filter((e) => e.type === "lease.acquired").length;
      const [two] = await manager.query<[number]>("RETURN 1 + 1");
      expect(two).toBe(2);
      expect(events.filter((e) => e.type === "lease.acquired").length).toBe(before + 1);
    });
  }
});
