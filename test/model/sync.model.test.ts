import fc from "fast-check";
import type { Surreal } from "surrealdb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ConnectionManager } from "../../src/manager/ConnectionManager.js";
import type { EndpointHandle } from "../support/endpoint.js";
import { type FaultProxy, startFaultProxy } from "../support/faultProxy.js";
import { client, closeQuietly, contents, createHybrid, startEndpoints, tempDir } from "../sync/helpers.js";
import { type LocalEndpoint, startLocalEndpoint } from "../sync/localEndpoint.js";

// Property: for any sequence of local writes (create / update / delete on a few ids), remote outages and
// syncs, once every remote is up again and a sync completes, each remote's table equals the local one.
//
// Real endpoints, reused across runs: remote A behind a fault proxy (blackhole / pass: a partition),
// remote B on disk behind another proxy (reset / pass) and killed and restarted now and then (same port,
// same directory). Each run starts from a synced, empty table (deleted locally and shipped).

type Command =
  | { kind: "create" | "update" | "delete"; id: number }
  | { kind: "partitionA" | "healA" | "resetB" | "healB" | "killB" | "restartB" }
  | { kind: "sync" };

const write = fc.record({
  kind: fc.constantFrom("create" as const, "update" as const, "delete" as const),
  id: fc.integer({ min: 0, max: 4 }),
});
const outage = fc.constantFrom(
  { kind: "partitionA" as const },
  { kind: "resetB" as const },
  { kind: "killB" as const },
);
const recovery = fc.constantFrom(
  { kind: "healA" as const },
  { kind: "healB" as const },
  { kind: "restartB" as const },
);
const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 5, arbitrary: write },
  { weight: 2, arbitrary: outage },
  { weight: 1, arbitrary: recovery },
  { weight: 2, arbitrary: fc.constant({ kind: "sync" as const }) },
);

describe("hybrid mode (property): remotes converge to the local store", () => {
  const diskB = tempDir();
  let local: LocalEndpoint;
  let a: EndpointHandle;
  let b: EndpointHandle;
  let proxyA: FaultProxy;
  let proxyB: FaultProxy;
  let manager: ConnectionManager;
  let readers: { local: Surreal; a: Surreal };

  beforeAll(async () => {
    let remotes: EndpointHandle[];
    [local, remotes] = await Promise.all([
      startLocalEndpoint(),
      startEndpoints([{}, { store: `surrealkv://${diskB.dir}` }]),
    ]);
    [a, b] = remotes as [EndpointHandle, EndpointHandle];
    [proxyA, proxyB] = await Promise.all([startFaultProxy({ target: a }), startFaultProxy({ target: b })]);
    manager = await createHybrid(local.url, [proxyA.url, proxyB.url], { connectionTimeoutMs: 1_000 });
    // SurrealDB 3 refuses UPDATE/DELETE on a table that does not exist yet.
    await manager.executeWithRetry((db) => db.query("DEFINE TABLE IF NOT EXISTS item SCHEMALESS"));
    readers = { local: await client(local.url), a: await client(a.url) };
  });

  afterAll(async () => {
    await manager?.shutdown({ timeoutMs: 2_000 }).catch(() => undefined);
    await Promise.all(Object.values(readers ?? {}).map((db) => closeQuietly(db)));
    await Promise.all([proxyA, proxyB].map((p) => p?.close(500)));
    await Promise.all([local, a, b].map((e) => e?.stop()));
    diskB.remove();
  });

  async function healAll(): Promise<void> {
    proxyA.setMode("pass");
    proxyB.setMode("pass");
    if (!b.running) await b.restart();
  }

  /** Syncs until every remote reports success (a pass that began during an outage may still fail). */
  async function syncUntilOk(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const report = await manager.syncNow();
      if (report.ok) return;
      if (attempt >= 4) {
        const why = report.remotes.map((r) => `${r.remote}: ${r.ok ? "ok" : r.error?.message}`);
        throw new Error(`sync did not succeed: ${why.join("; ")}`);
      }
    }
  }

  let counter = 0;
  async function run(c: Command, model: Map<number, Record<string, unknown>>): Promise<void> {
    const n = ++counter;
    switch (c.kind) {
      case "create":
        await manager.executeWithRetry((db) =>
          db.query("UPSERT type::record('item', $id) CONTENT { v: $n }", { id: c.id, n }),
        );
        model.set(c.id, { id: `item:${c.id}`, v: n });
        return;
      case "update":
        await manager.executeWithRetry((db) =>
          db.query("UPDATE type::record('item', $id) SET v = $n, w = $n", { id: c.id, n }),
        );
        if (model.has(c.id)) model.set(c.id, { id: `item:${c.id}`, v: n, w: n });
        return;
      case "delete":
        await manager.executeWithRetry((db) => db.query("DELETE type::record('item', $id)", { id: c.id }));
        model.delete(c.id);
        return;
      case "partitionA":
        proxyA.setMode("blackhole");
        return;
      case "healA":
        proxyA.setMode("pass");
        return;
      case "resetB":
        proxyB.setMode("reset");
        return;
      case "healB":
        proxyB.setMode("pass");
        return;
      case "killB":
        await b.kill();
        return;
      case "restartB":
        if (!b.running) await b.restart();
        return;
      case "sync":
        await manager.syncNow(); // may fail for a remote that is down: that is the point
        return;
    }
  }

  it("after any writes, outages and syncs, a completed sync leaves every remote equal to local", async () => {
    let failedPasses = 0;
    const subscription = manager.events$.subscribe((e) => {
      if (e.type === "sync.failed") failedPasses++;
    });
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 12 }), async (commands) => {
        // A synced, empty start.
        await healAll();
        await manager.executeWithRetry((db) => db.query("DELETE item"));
        await syncUntilOk();
        const model = new Map<number, Record<string, unknown>>();
        for (const c of commands) await run(c, model);
        await healAll();
        await syncUntilOk();
        const expected = [...model.keys()].sort((x, y) => x - y).map((id) => model.get(id));
        const local = await contents(readers.local, ["item"]);
        expect(local.item).toEqual(expected);
        // Clients on the remotes themselves (not through the proxies); B may have restarted.
        expect(await contents(readers.a, ["item"])).toEqual(local);
        const readerB = await client(b.url);
        try {
          expect(await contents(readerB, ["item"])).toEqual(local);
        } finally {
          await closeQuietly(readerB);
        }
      }),
      {
        numRuns: 10,
        endOnFailure: true,
        // A run that hangs fails with its commands printed, rather than timing the whole test out; and no
        // new run starts after 50 s (every run uses real endpoints, and CI machines are slow).
        timeout: 30_000,
        interruptAfterTimeLimit: 50_000,
        // Found by this property: a delete in a table the remote did not have yet failed every batch after it.
        examples: [
          [
            [
              { kind: "resetB" },
              { kind: "create", id: 4 },
              { kind: "delete", id: 2 },
              { kind: "delete", id: 4 },
              { kind: "killB" },
              { kind: "update", id: 2 },
              { kind: "sync" },
              { kind: "partitionA" },
              { kind: "delete", id: 4 },
            ],
          ],
        ],
      },
    );
    subscription.unsubscribe();
    // The outages did bite: some passes failed along the way, and still everything converged.
    expect(failedPasses).toBeGreaterThan(0);
  }, 90_000);
});
