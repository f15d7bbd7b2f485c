import { Table } from "surrealdb";
import { afterEach, describe, expect, it } from "vitest";
import type { ConnectionManager } from "../../src/index.js";
import { createManager, first } from "./helpers.js";

let manager: ConnectionManager | undefined;
afterEach(async () => {
  await manager?.shutdown({ timeoutMs: 1_000 });
  manager = undefined;
});

describe("leases on the embedded engine", () => {
  it("reads through one lease what was written through another: one engine, many sessions", async () => {
    manager = await createManager({ minConnections: 2, maxConnections: 2 });
    const writer = await manager.acquire();
    const reader = await manager.acquire();
    expect(writer.connectionId).not.toBe(reader.connectionId);
    await writer.db.query("CREATE person:ada SET name = 'Ada'");
    const [rows] = (await reader.db.query("SELECT name FROM person")) as [{ name: string }[]];
    expect(rows).toEqual([{ name: "Ada" }]);
    await writer.release();
    await reader.release();
  });

  it("resets use() and set() before the next borrower of the same connection", async () => {
    manager = await createManager({ minConnections: 1, maxConnections: 1 });
    const dirty = await manager.acquire();
    await dirty.db.use({ namespace: "x", database: "y" });
    await dirty.db.set("v", 1);
    expect(await first(dirty.db, "RETURN $v")).toBe(1);
    expect(await first(dirty.db, "RETURN session::ns()")).toBe("x");
    await dirty.release();

    const next = await manager.acquire();
    expect(next.connectionId).toBe(dirty.connectionId);
    expect(next.db.namespace).toBe("it_ns");
    expect(next.db.database).toBe("it_db");
    expect(next.db.parameters).toEqual({});
    const results = await next.db.query("RETURN session::ns(); RETURN session::db(); RETURN $v");
    expect(results).toEqual(["it_ns", "it_db", undefined]);
    await next.release();
    expect(manager.metrics().snapshot()).toMatchObject({ resets: 1, resetFailures: 0 });
  });

  it("does not leak LET or USE written in query text (scoped to that query), and needs no reset for them", async () => {
    manager = await createManager({ minConnections: 1, maxConnections: 1 });
    const a = await manager.acquire();
    const inside = await a.db.query("LET $w = 5; USE NS other DB other; RETURN $w; RETURN session::ns()");
    expect(inside.slice(-2)).toEqual([5, "other"]);
    await a.release();
    const b = await manager.acquire();
    expect(b.connectionId).toBe(a.connectionId);
    expect(await b.db.query("RETURN $w; RETURN session::ns()")).toEqual([undefined, "it_ns"]);
    await b.release();
  });

  it("resets after each session-changing method alone, and not after a lease that only queried", async () => {
    manager = await createManager({ minConnections: 1, maxConnections: 1 });
    // Query-only leases (reads, writes, LET/USE in text, a builder): returned without a reset.
    for (let i = 0; i < 3; i++) {
      const lease = await manager.acquire();
      await lease.db.query("LET $t = 1; RETURN $t");
      await lease.db.select(new Table("nothing_here")).catch(() => {});
      await lease.release();
    }
    expect(manager.metrics().snapshot().resets).toBe(0);
    // Each method that changes session state, called alone, is undone before the next borrower.
    const changes: [string, (db: import("surrealdb").SurrealSession) => Promise<unknown>][] = [
      ["use", (db) => db.use({ namespace: "other", database: "other" })],
      ["set", (db) => db.set("v", 1)],
      ["unset", async (db) => db.unset("never_set")],
    ];
    for (const [name, change] of changes) {
      const before = manager.metrics().snapshot().resets;
      const lease = await manager.acquire();
      await change(lease.db);
      await lease.release();
      const next = await manager.acquire();
      expect(next.db.namespace, name).toBe("it_ns");
      expect(next.db.parameters, name).toEqual({});
      await next.release();
      // unset of a name never set changes nothing: the check after it finds no drift to undo.
      expect(manager.metrics().snapshot().resets, name).toBe(name === "unset" ? before : before + 1);
    }
  });

  it("hands a lease out in the namespace and database asked for, and switches back on return", async () => {
    manager = await createManager({ minConnections: 1, maxConnections: 1 });
    const tenant = await manager.acquire({ namespace: "tenant_a", database: "shop" });
    expect(await tenant.db.query("RETURN session::ns(); RETURN session::db()")).toEqual(["tenant_a", "shop"]);
    await tenant.db.query("CREATE item:1 SET n = 1");
    await tenant.release();

    const plain = await manager.acquire();
    expect(plain.connectionId).toBe(tenant.connectionId);
    expect(await plain.db.query("RETURN session::ns(); RETURN session::db()")).toEqual(["it_ns", "it_db"]);
    await expect(plain.db.query("SELECT * FROM item")).rejects.toMatchObject({ name: "NotFoundError" });
    await plain.release();

    const again = await manager.acquire({ namespace: "tenant_a", database: "shop" });
    const [items] = (await again.db.query("SELECT n FROM item")) as [{ n: number }[]];
    expect(items).toEqual([{ n: 1 }]);
    await again.release();
  });

  it("returns the connection when an await using block ends", async () => {
    manager = await createManager({ minConnections: 1, maxConnections: 1 });
    {
      await using lease = await manager.acquire();
      expect(await first(lease.db, "RETURN 1 + 1")).toBe(2);
      expect(manager.healthStatus().inUse).toBe(1);
    }
    expect(manager.healthStatus().inUse).toBe(0);
  });
});
