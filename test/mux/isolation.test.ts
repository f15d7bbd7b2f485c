// Sessions on one shared socket are isolated from each other: namespace/database, variables and auth
// are each session's own, and a borrower's changes are undone before the next borrower gets the session.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ConnectionManager } from "../../src/manager/ConnectionManager.js";
import { closeAll, EventRecorder } from "../remote/helpers.js";
import { type EndpointHandle, startEndpoint } from "../support/endpoint.js";
import { createMux, endpointHealth } from "./helpers.js";

describe("sessions over one shared socket", () => {
  let endpoint: EndpointHandle | undefined;
  let manager: ConnectionManager | undefined;

  beforeAll(async () => {
    endpoint = await startEndpoint();
    manager = await createMux(endpoint.url, { socketsPerEndpoint: 1, minConnections: 3, maxConnections: 3 });
  });
  afterAll(async () => {
    await closeAll(manager, [], [endpoint]);
  });

  it("carries every pooled session on socketsPerEndpoint sockets", () => {
    const health = endpointHealth(manager!);
    expect(health).toMatchObject({ pooling: "sessions", sockets: 1, size: 3 });
  });

  it("keeps namespace/database, variables and auth apart between sessions of one socket", async () => {
    const [a, b, c] = await Promise.all([manager!.acquire(), manager!.acquire(), manager!.acquire()]);
    try {
      await a.db.use({ namespace: "other", database: "elsewhere" });
      await a.db.set("who", "a");
      await a.db.query("CREATE thing:1 SET by = 'a'");
      await b.db.query("CREATE thing:1 SET by = 'b'");
      // b is still in the pool's namespace/database and has no variable `who`.
      expect([b.db.namespace, b.db.database]).toEqual(["test", "test"]);
      const [whoB] = await b.db.query<[unknown]>("RETURN $who");
      expect(whoB).toBeUndefined();
      const [whoA] = await a.db.query<[unknown]>("RETURN $who");
      expect(whoA).toBe("a");
      // Each wrote its own record in its own database.
      const [inA] = await a.db.query<[{ by: string }[]]>("SELECT by FROM thing");
      const [inB] = await b.db.query<[{ by: string }[]]>("SELECT by FROM thing");
      expect(inA).toEqual([{ by: "a" }]);
      expect(inB).toEqual([{ by: "b" }]);
      // Signing one session out leaves the others signed in.
      await c.db.invalidate();
      await expect(c.db.query("SELECT * FROM thing")).rejects.toThrow(/permissions/i);
      const [stillB] = await b.db.query<[{ by: string }[]]>("SELECT by FROM thing");
      expect(stillB).toEqual([{ by: "b" }]);
    } finally {
      await Promise.all([a.release(), b.release(), c.release()]);
    }
    expect(endpointHealth(manager!).sockets).toBe(1);
  });

  it("undoes each borrower's changes on return: the next borrower starts from the pool's baseline", async () => {
    const recorder = new EventRecorder(manager!);
    const leases = await Promise.all([manager!.acquire(), manager!.acquire(), manager!.acquire()]);
    for (const lease of leases) {
      expect([lease.db.namespace, lease.db.database]).toEqual(["test", "test"]);
      expect(lease.db.parameters).toEqual({});
      const [rows] = await lease.db.query<[unknown[]]>("SELECT * FROM thing");
      expect(rows).toHaveLength(1); // signed in again and back in test/test
    }
    await Promise.all(leases.map((l) => l.release()));
    expect(recorder.of("connection.retiring")).toHaveLength(0);
    recorder.stop();
  });
});
