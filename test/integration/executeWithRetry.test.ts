import { afterEach, describe, expect, it } from "vitest";
import type { ConnectionManager, PoolEvent } from "../../src/index.js";
import { createManager, record } from "./helpers.js";

let manager: ConnectionManager | undefined;
afterEach(async () => {
  await manager?.shutdown({ timeoutMs: 1_000 });
  manager = undefined;
});

const ofType = (events: PoolEvent[], type: PoolEvent["type"]) => events.filter((e) => e.type === type);

describe("executeWithRetry on the embedded engine", () => {
  it("returns the operation's result and counts a success", async () => {
    manager = await createManager({ minConnections: 1, maxConnections: 2 });
    const events = record(manager);
    const result = await manager.executeWithRetry((db) => db.query("RETURN 40 + 2"));
    expect(result).toEqual([42]);
    expect(manager.metrics().snapshot()).toMatchObject({ successes: 1, errors: 0, retries: 0 });
    expect(ofType(events, "operation.succeeded")).toMatchObject([{ attempts: 1, endpoint: "mem://" }]);
    expect(manager.healthStatus().inUse).toBe(0);
  });

  it("does not retry a SurrealQL parse error: one attempt, operation.failed, the error as thrown", async () => {
    manager = await createManager({ minConnections: 1, maxConnections: 2 });
    const events = record(manager);
    let attempts = 0;
    const error = await manager
      .executeWithRetry((db) => {
        attempts++;
        return db.query("SELEC * FROM person");
      })
      .catch((e: unknown) => e);
    expect(attempts).toBe(1);
    expect((error as Error).name).toBe("ValidationError");
    expect(ofType(events, "operation.retried")).toEqual([]);
    expect(ofType(events, "operation.failed")).toMatchObject([{ attempts: 1, error }]);
    expect(manager.metrics().snapshot()).toMatchObject({ errors: 1, retries: 0, successes: 0 });
    expect(manager.healthStatus().inUse).toBe(0);
  });

  it("does not retry NotFoundError (a table that does not exist)", async () => {
    manager = await createManager({ minConnections: 1, maxConnections: 2 });
    const events = record(manager);
    let attempts = 0;
    const error = await manager
      .executeWithRetry((db) => {
        attempts++;
        return db.query("SELECT * FROM no_such_table");
      })
      .catch((e: unknown) => e);
    expect(attempts).toBe(1);
    expect((error as Error).name).toBe("NotFoundError");
    expect(ofType(events, "operation.failed")).toMatchObject([{ attempts: 1 }]);
    // The connection is fine: it went back to the pool rather than being discarded.
    expect(ofType(events, "connection.retiring")).toEqual([]);
  });

  it("retries a transient (connection-level) failure on a fresh connection and then succeeds", async () => {
    manager = await createManager({ minConnections: 1, maxConnections: 2 });
    const events = record(manager);
    let attempts = 0;
    const result = await manager.executeWithRetry(async (db) => {
      attempts++;
      if (attempts === 1) throw Object.assign(new Error("socket reset"), { code: "ECONNRESET" });
      return db.query("RETURN 'ok'");
    });
    expect(result).toEqual(["ok"]);
    expect(attempts).toBe(2);
    expect(ofType(events, "operation.retried")).toMatchObject([{ attempt: 1 }]);
    expect(ofType(events, "operation.succeeded")).toMatchObject([{ attempts: 2 }]);
    // The connection that failed at the connection level was discarded, not returned.
    expect(ofType(events, "connection.retiring")).toMatchObject([{ reason: "broken" }]);
    expect(manager.metrics().snapshot()).toMatchObject({ retries: 1, successes: 1, errors: 0 });
  });
});
