// The simulated cluster itself (test/support/cluster.ts): nodes share one store, a killed node takes its
// sockets, sessions and live queries with it and leaves the data, live-query notifications reach the
// node whose socket registered them, and the store survives its own crash on surrealkv://.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Surreal, Table } from "surrealdb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Cluster, startCluster } from "../support/cluster.js";
import { closeQuietly, connectWs } from "../support/wsClient.js";

const dir = mkdtempSync(join(tmpdir(), "surreal-pool-cluster-"));
const ROOT = { username: "root", password: "root" };
const open = (url: string) => connectWs(url, { namespace: "c", database: "c", auth: ROOT });

async function until(predicate: () => boolean | Promise<boolean>, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("simulated cluster: nodes over one shared store", () => {
  let cluster: Cluster;
  const clients: Surreal[] = [];
  const client = async (url: string) => {
    const db = await open(url);
    clients.push(db);
    return db;
  };

  beforeAll(async () => {
    cluster = await startCluster({ nodes: 3, store: `surrealkv://${dir}` });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => closeQuietly(c, 300)));
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("has one port per node, and a write through one node is read through every other", async () => {
    expect(new Set(cluster.urls).size).toBe(3);
    // One after another: parallel first connects would race to define the namespace and database.
    const [a, b, c] = [
      await client(cluster.urls[0]!),
      await client(cluster.urls[1]!),
      await client(cluster.urls[2]!),
    ];
    await a!.query("CREATE shared:1 SET via = 'node-1'");
    for (const db of [b!, c!]) {
      expect(await db.query("SELECT VALUE via FROM ONLY shared:1")).toEqual(["node-1"]);
    }
  });

  it("a killed node drops its clients' sockets; the data stays and the other nodes keep serving", async () => {
    const victim = cluster.nodes[0]!;
    const onVictim = await client(victim.url);
    const onOther = await client(cluster.nodes[1]!.url);
    await onVictim.query("CREATE shared:2 SET n = 2");
    let dropped = false;
    onVictim.subscribe("disconnected", () => {
      dropped = true;
    });
    await victim.kill();
    await until(() => dropped, "the victim's client to see its socket drop");
    expect(await onOther.query("SELECT VALUE n FROM ONLY shared:2")).toEqual([2]);

    const port = victim.port;
    await victim.restart();
    expect(victim.port).toBe(port);
    const again = await client(victim.url);
    expect(await again.query("SELECT VALUE n FROM ONLY shared:2")).toEqual([2]);
  });

  it("a session lives on its socket: a new socket through a restarted node starts signed out", async () => {
    const node = cluster.nodes[2]!;
    const first = await client(node.url);
    await first.query("RETURN 1"); // signed in, namespace and database set
    await node.kill();
    await node.restart();
    const anonymous = await connectWs(node.url, { namespace: "c", database: "c" });
    clients.push(anonymous);
    await expect(anonymous.query("SELECT * FROM shared")).rejects.toThrow(/Not enough permissions/);
  });

  it("an uncommitted transaction dies with its node: none of its writes is applied", async () => {
    const node = cluster.nodes[0]!;
    const db = await client(node.url);
    const txn = await db.beginTransaction();
    await txn.query("CREATE shared:in_txn SET n = 1");
    await node.kill();
    const other = await client(cluster.nodes[1]!.url);
    expect(await other.query("SELECT * FROM ONLY shared:in_txn")).toEqual([undefined]);
    await node.restart();
  });

  it("delivers a live query's notifications to the socket that registered it, for writes through any node", async () => {
    const [n1, n2, n3] = cluster.urls;
    const watcher = await client(n1!);
    const writer = await client(n2!);
    const other = await client(n3!);
    await writer.query("DEFINE TABLE IF NOT EXISTS feed SCHEMALESS");
    const seen = { watcher: [] as string[], other: [] as string[] };
    const lives = await Promise.all(
      (["watcher", "other"] as const).map(async (who) => {
        const live = await (who === "watcher" ? watcher : other).live(new Table("feed"));
        live.subscribe((m) => seen[who].push(`${m.action} ${String(m.recordId)}`));
        return live;
      }),
    );
    await writer.query("CREATE feed:1 SET x = 1");
    await until(
      () => seen.watcher.length > 0 && seen.other.length > 0,
      "a notification on node-1 and node-3",
    );
    await new Promise((r) => setTimeout(r, 100)); // room for a duplicate to show up
    // Each socket gets its own query's notification, once: none is lost to, or doubled by, another node.
    expect(seen).toEqual({ watcher: ["CREATE feed:1"], other: ["CREATE feed:1"] });
    for (const live of lives) await live.kill();
  });

  it("a killed node's live queries are removed from the store", async () => {
    const node = cluster.nodes[1]!;
    const owner = await client(node.url);
    const observer = await client(cluster.nodes[0]!.url);
    await observer.query("DEFINE TABLE IF NOT EXISTS ticket SCHEMALESS");
    await owner.query("LIVE SELECT * FROM ticket");
    const lives = async () => {
      const [info] = await observer.query<[{ lives: Record<string, unknown> }]>("INFO FOR TABLE ticket");
      return Object.keys(info.lives).length;
    };
    expect(await lives()).toBe(1);
    await node.kill();
    await until(async () => (await lives()) === 0, "the live query to be killed");
    await node.restart();
  });

  it("the store survives its own crash (surrealkv://), and the nodes serve again once it is back", async () => {
    const before = await client(cluster.urls[0]!);
    await before.query("CREATE shared:3 SET n = 3");
    await cluster.store.kill();
    await cluster.store.restart();
    const after = await client(cluster.urls[1]!);
    expect(await after.query("SELECT VALUE n FROM ONLY shared:3")).toEqual([3]);
  });
});
