import { Table } from "surrealdb";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ConnectionManager, Lease } from "../../src/index.js";
import { type EndpointHandle, startEndpoint } from "../support/endpoint.js";
import { createManager } from "./helpers.js";

/**
 * What a borrower can keep from a lease (the lease itself, its `db`, a builder, a transaction, a forked
 * session, and whatever hangs off the lease object, typed or not) must not run a query once the lease
 * is released: the connection is someone else's by then.
 */

/** Every object reachable from `root` through properties (own and inherited, getters included), to `depth`. */
function reachable(root: object, depth: number): Map<object, string> {
  const found = new Map<object, string>([[root, "lease"]]);
  const walk = (value: object, path: string, left: number) => {
    if (left === 0) return;
    const keys = new Set<PropertyKey>();
    for (let o: object | null = value; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
      for (const key of Reflect.ownKeys(o)) if (key !== "constructor") keys.add(key);
    }
    for (const key of keys) {
      let child: unknown;
      try {
        child = Reflect.get(value, key);
      } catch {
        continue; // a released lease's db throws on read: nothing to reach there
      }
      if ((typeof child === "object" && child !== null) || typeof child === "function") {
        if (found.has(child)) continue;
        const at = `${path}.${String(key)}`;
        found.set(child, at);
        if (typeof child === "object") walk(child, at, left - 1);
      }
    }
  };
  walk(root, "lease", depth);
  return found;
}

/** Tries `RETURN 1` through everything that looks queryable; returns the paths where it ran. */
async function queriesThatRan(things: Map<object, string>): Promise<string[]> {
  const ran: string[] = [];
  for (const [thing, path] of things) {
    try {
      const query = (thing as { query?: unknown }).query; // a revoked handle throws here already
      if (typeof query !== "function") continue;
      await Promise.race([
        Reflect.apply(query, thing, ["RETURN 1"]),
        new Promise((_, reject) => setTimeout(() => reject(new Error("no answer")), 2_000)),
      ]);
      ran.push(path);
    } catch {
      // refused: as it should be
    }
  }
  return ran;
}

async function keptAfterRelease(lease: Lease): Promise<Map<object, string>> {
  const db = lease.db;
  const kept = new Map<object, string>([[db, "lease.db"]]);
  kept.set(await db.beginTransaction(), "db.beginTransaction()");
  kept.set(await db.forkSession(), "db.forkSession()");
  const builder = db.select(new Table("nothing"));
  const before = reachable(lease, 4);
  await lease.release();
  for (const [thing, path] of before) kept.set(thing, path);
  kept.set(builder as unknown as object, "db.select(...) builder");
  return kept;
}

describe("after release, nothing kept from a lease runs a query", () => {
  let manager: ConnectionManager | undefined;
  let endpoint: EndpointHandle | undefined;

  beforeAll(async () => {
    endpoint = await startEndpoint();
  }, 30_000);
  afterEach(async () => {
    await manager?.shutdown({ timeoutMs: 2_000 });
    manager = undefined;
  });
  afterAll(async () => {
    await endpoint?.stop();
  });

  it("embedded mem://", async () => {
    manager = await createManager({ minConnections: 1, maxConnections: 1 });
    const kept = await keptAfterRelease(await manager.acquire());
    expect(await queriesThatRan(kept)).toEqual([]);
    // The builder, awaited, is refused too.
    const builder = [...kept].find(([, path]) => path.includes("builder"))![0];
    await expect(builder as unknown as Promise<unknown>).rejects.toThrow(/released/);
    // The connection still serves its next borrower.
    await using next = await manager.acquire();
    expect(await next.db.query("RETURN 1")).toEqual([1]);
  });

  it("ws:// (sessions on a shared socket)", async () => {
    manager = await createManager(
      { minConnections: 1, maxConnections: 1 },
      {
        mode: { kind: "local", endpoint: endpoint!.url },
        credentials: { username: "root", password: "root" },
      },
    );
    const kept = await keptAfterRelease(await manager.acquire());
    expect(await queriesThatRan(kept)).toEqual([]);
  });
});
